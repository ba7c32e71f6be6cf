/**
 * One measured number. `ratio` is always oriented so that higher means the hub did better.
 * A row compares with at most one other figure: a `peer` (another implementation doing the same
 * work: zigbee-herdsman, gbcs-parser, mqtt.js, the bare library or syscall beneath ours) or a
 * `baseline` (one of the project's own code paths or a computed reference, e.g. the UART time of a
 * frame). Either way the row says what is timed on both sides (`span`) and what each side may
 * cache or reuse between iterations (`caching`); the runner refuses a row that does not.
 */
export interface BenchResult {
  metric: string;
  value: number;
  unit: string;
  peer?: string;
  peer_value?: number;
  baseline?: string;
  baseline_value?: number;
  ratio?: number;
  /** What is timed, from where to where, for both sides (the same span, or the difference stated). */
  span?: string;
  /** What each side caches or reuses across iterations, stated even when it is nothing. */
  caching?: string;
  /** Free-form context: sample counts, runs, baud rate. */
  note?: string;
}

export type BenchSuite = () => AsyncIterable<BenchResult>;

/** Why a row is not fit to print, or undefined. */
export function rowProblem(row: BenchResult): string | undefined {
  const compared = row.peer !== undefined || row.baseline !== undefined;
  if (row.peer !== undefined && row.baseline !== undefined) return 'has both a peer and a baseline';
  if (compared && (!row.span || !row.caching)) return 'compares without stating the span timed and the caching on both sides';
  if ((row.peer !== undefined) !== (row.peer_value !== undefined)) return 'has a peer without its value, or a value without its peer';
  if ((row.baseline !== undefined) !== (row.baseline_value !== undefined)) return 'has a baseline without its value, or a value without its baseline';
  return undefined;
}

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

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Runs per side in every compared row: alternated, the median kept. */
export const RUNS = 5;
export const ALTERNATION = `median of ${RUNS} runs per side, alternated (first, second, first...)`;

/**
 * Run every side `runs` times, alternating which goes first (A B C, C B A, A B C...), so no side
 * always runs warmer, or on another's garbage; each figure a run returns is kept as its median.
 */
export async function alternate<T extends Record<string, () => Promise<Record<string, number>>>>(
  sides: T,
  runs = RUNS,
): Promise<{ [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const names = Object.keys(sides);
  const seen = new Map<string, Array<Record<string, number>>>(names.map((name) => [name, []]));
  for (let run = 0; run < runs; run++) {
    for (const name of run % 2 === 0 ? names : [...names].reverse()) seen.get(name)!.push(await sides[name]!());
  }
  const result: Record<string, Record<string, number>> = {};
  for (const name of names) {
    const figures = seen.get(name)!;
    result[name] = Object.fromEntries(Object.keys(figures[0]!).map((figure) => [figure, median(figures.map((f) => f[figure]!))]));
  }
  return result as { [K in keyof T]: Awaited<ReturnType<T[K]>> };
}

/**
 * The CPU time (user + system, every thread of this process) `run` takes, in ms: for CPU-bound work
 * on a shared machine, where wall time also counts whatever else runs.
 */
export async function cpuMs(run: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}
