import { spawn } from 'node:child_process';
import { round, type BenchResult } from './result.js';

/**
 * `--repeat N`: the chosen suites run N times, each time in a fresh process (no JIT or cache
 * carried over), then one line per row with its value in every run and the spread (max / min);
 * rows whose value or ratio spread is above the tolerance are named, and the exit code says
 * whether every row agreed. What "reruns agree within 20 %" is checked with.
 */
export interface Spread {
  suite: string;
  metric: string;
  unit: string;
  values: number[];
  ratios: number[];
  /** max / min of the values, and of the ratios where the row has one. */
  spread: number;
  ratioSpread: number | undefined;
  agree: boolean;
}

type Row = BenchResult & { suite: string };

/** One run of the suites in a child process, its rows as the runner prints them with --json. */
function runOnce(suites: string[]): Promise<Row[]> {
  const args = [...process.execArgv, process.argv[1]!, '--json', '--suite', ...suites];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`bench run exited with ${code}`));
      else resolve(out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row));
    });
  });
}

const spreadOf = (values: number[]): number => {
  const positive = values.map(Math.abs);
  const min = Math.min(...positive);
  return min === 0 ? (Math.max(...positive) === 0 ? 1 : Number.POSITIVE_INFINITY) : round(Math.max(...positive) / min);
};

/** Every row of the runs by suite and metric, with its spread; a row missing from a run disagrees. */
export function spreads(runs: Row[][], tolerance: number): Spread[] {
  const rows = new Map<string, Row[]>();
  for (const run of runs) {
    for (const row of run) {
      const key = `${row.suite}\u0000${row.metric}`;
      rows.set(key, [...(rows.get(key) ?? []), row]);
    }
  }
  return [...rows.values()].map((seen) => {
    const values = seen.map((row) => row.value);
    const ratios = seen.flatMap((row) => (row.ratio === undefined ? [] : [row.ratio]));
    const spread = spreadOf(values);
    const ratioSpread = ratios.length > 0 ? spreadOf(ratios) : undefined;
    const limit = 1 + tolerance / 100;
    const agree = seen.length === runs.length && spread <= limit && (ratioSpread === undefined || ratioSpread <= limit);
    return { suite: seen[0]!.suite, metric: seen[0]!.metric, unit: seen[0]!.unit, values, ratios, spread, ratioSpread, agree };
  });
}

export async function repeat(suites: string[], times: number, tolerance: number, json: boolean): Promise<boolean> {
  const runs: Row[][] = [];
  const started = performance.now();
  for (let run = 0; run < times; run++) runs.push(await runOnce(suites));
  const result = spreads(runs, tolerance);
  for (const row of result) {
    if (json) {
      process.stdout.write(JSON.stringify(row) + '\n');
      continue;
    }
    const ratio = row.ratioSpread === undefined ? '' : `  ratios ${row.ratios.join(' / ')} (spread ${row.ratioSpread})`;
    process.stdout.write(`${row.agree ? '  ' : '!!'} ${row.suite.padEnd(9)} ${row.metric.padEnd(48)} ${row.values.join(' / ')} ${row.unit}  spread ${row.spread}${ratio}\n`);
  }
  const disagree = result.filter((row) => !row.agree);
  const minutes = round((performance.now() - started) / 60_000, 1);
  process.stderr.write(`${result.length - disagree.length} of ${result.length} rows agree within ${tolerance} % over ${times} runs (spread = max / min of the value, and of the ratio where there is one); ${minutes} min\n`);
  return disagree.length === 0;
}
