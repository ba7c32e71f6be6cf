import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { HubError } from '../../hal/errors.js';
import { loadConfig } from '../config.js';
import { invoke, logsRead, type LogsArgs } from '../control/index.js';
import { gbcsCodeOf, hubEventByCode, type LogEntry } from '../logs/index.js';

/**
 * `hub logs event|security`: read the CHF Event Log or Security Log straight from the store,
 * newest first. Reading only: nothing here clears or changes a log. While the hub runs, the
 * entries come through its control socket.
 */
export class LogsCommandError extends HubError {}

type Which = LogsArgs['log'];

/** Through the running hub's control socket when one runs on this store, else from the store itself. */
export async function readLog(storePath: string, which: Which, limit?: number): Promise<LogEntry[]> {
  return invoke(logsRead, { log: which, ...(limit === undefined ? {} : { limit }) }, { storePath: resolve(storePath) });
}

const hex = (code: number | undefined) => (code === undefined ? '' : `0x${code.toString(16).toUpperCase().padStart(4, '0')}`);

function record(entry: LogEntry) {
  return {
    sequence: entry.sequence,
    at: new Date(entry.at).toISOString(),
    code: hex(entry.code),
    gbcsCode: hex(gbcsCodeOf(entry.code)),
    name: hubEventByCode(entry.code)?.name ?? 'unknown code',
    detail: entry.detail,
  };
}

export function formatEntries(which: Which, entries: LogEntry[]): string {
  if (entries.length === 0) return `the ${which} log is empty\n`;
  const lines = entries.map((entry) => {
    const r = record(entry);
    const detail = Object.keys(r.detail).length === 0 ? '' : `  ${JSON.stringify(r.detail)}`;
    return `${String(r.sequence).padStart(6)}  ${r.at}  ${r.code}  ${r.name}${detail}`;
  });
  return `${lines.join('\n')}\n`;
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError('a whole number of 1 or more');
  return value;
}

export function registerLogs(program: Command): void {
  const logs = program.command('logs').description('read the CHF Event Log or Security Log from the store (newest first)');
  for (const which of ['event', 'security'] as const) {
    logs
      .command(which)
      .description(`show the ${which === 'event' ? 'Event Log' : 'Security Log'}`)
      .option('--store <path>', 'the store directory (default: store.path from the config)')
      .option('--limit <n>', 'show at most this many entries', positiveInteger)
      .option('--json', 'print a JSON array instead of text')
      .action(async (options: { store?: string; limit?: number; json?: boolean }) => {
        const store = options.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path;
        const entries = await readLog(store, which, options.limit);
        process.stdout.write(options.json ? `${JSON.stringify(entries.map(record), null, 2)}\n` : formatEntries(which, entries));
      });
  }
}
