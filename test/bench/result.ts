/** One measured number. `ratio` is always oriented so that higher means the hub did better. */
export interface BenchResult {
  metric: string;
  value: number;
  unit: string;
  peer?: string;
  peer_value?: number;
  ratio?: number;
  /** Free-form context: sample counts, baud rate, what was measured. */
  note?: string;
}

export type BenchSuite = () => AsyncIterable<BenchResult>;

/** Ratio for a rate (higher is better): ours / theirs. */
export function rateRatio(ours: number, theirs: number): number {
  return round(ours / theirs);
}

/** Ratio for a cost (lower is better): theirs / ours. */
export function costRatio(ours: number, theirs: number): number {
  return round(theirs / ours);
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}
