import { readdir } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { repeat } from './repeat.js';
import { rowProblem, type BenchResult, type BenchSuite } from './result.js';

/**
 * `npm run bench [-- --suite NAME] [--json] [--repeat N]`: runs the benchmark suites in `suites/` (one file each,
 * default export a BenchSuite) and prints one line per measured number. A row that compares with a
 * peer or a baseline must say what is timed and cached on both sides (result.ts), or the run fails.
 */
const suitesDir = new URL('./suites/', import.meta.url);

async function availableSuites(): Promise<string[]> {
  const files = await readdir(suitesDir);
  return files.filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
}

function human(suite: string, r: BenchResult): string {
  const other = r.peer !== undefined ? `peer ${r.peer} ${r.peer_value}` : r.baseline !== undefined ? `baseline ${r.baseline} ${r.baseline_value}` : undefined;
  const peer = other !== undefined ? `  vs ${other} ${r.unit}  ratio ${r.ratio}` : '';
  const said = [r.span && `span: ${r.span}`, r.caching && `caching: ${r.caching}`, r.note].filter(Boolean);
  const note = said.length > 0 ? `  (${said.join('; ')})` : '';
  return `${suite.padEnd(6)} ${r.metric.padEnd(40)} ${String(r.value).padStart(14)} ${r.unit}${peer}${note}`;
}

function positiveInteger(value: string, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${option} takes a whole number above 0, not "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const suites = await availableSuites();
  const program = new Command('bench')
    .option('--suite <name...>', `suites to run (${suites.join(', ')}); all when omitted`)
    .option('--json', 'one JSON object per line')
    .option('--repeat <runs>', 'run the suites this many times, each in a fresh process, and print each row\'s spread (max / min)', (v) => positiveInteger(v, '--repeat'))
    .option('--tolerance <percent>', 'with --repeat: the spread a row may have and still agree; exit 1 when one does not', (v) => positiveInteger(v, '--tolerance'), 20)
    .parse(process.argv.slice(2), { from: 'user' });
  const options = program.opts<{ suite?: string[]; json?: boolean; repeat?: number; tolerance: number }>();
  const chosen = options.suite ?? suites;
  for (const name of chosen) {
    if (!suites.includes(name)) {
      process.stderr.write(`bench: no suite named "${name}" (have: ${suites.join(', ')})\n`);
      process.exitCode = 2;
      return;
    }
  }
  if (options.repeat !== undefined) {
    if (!(await repeat(chosen, options.repeat, options.tolerance, options.json ?? false))) process.exitCode = 1;
    return;
  }
  for (const name of chosen) {
    const module = (await import(new URL(`${name}.ts`, suitesDir).href)) as { default: BenchSuite };
    for await (const result of module.default()) {
      const problem = rowProblem(result);
      if (problem) throw new Error(`bench ${name}: row "${result.metric}" ${problem}`);
      process.stdout.write((options.json ? JSON.stringify({ suite: name, ...result }) : human(name, result)) + '\n');
    }
  }
}

await main();
