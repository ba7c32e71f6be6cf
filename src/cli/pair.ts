import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { HubError } from '../../hal/errors.js';
import { parseEui64 } from '../../hal/eui64.js';
import { NAMEABLE_DEVICE_TYPES } from '../security/device-types.js';
import { loadConfig } from '../config.js';
import { ControlClient, ControlError, invoke, pairDevices, type PairAddArgs } from '../control/index.js';
import { JOIN_PHASE_WORDS, type PairOutcome } from '../installer/index.js';
import { secretInput } from './pin-input.js';
import { watchJoin, WATCH_EXIT, type WatchGoal } from './pair-watch.js';
import { table } from './table.js';

/**
 * `hub pair add|watch|remove` and `hub devices` (the table): an installer's tools against the
 * running hub, through its control socket. The install code never comes from the command line
 * (other users see argv): it is scanned or typed at a hidden prompt, piped on stdin, or read from
 * a label file.
 */
export class PairCommandError extends HubError {}

const STATE_WORDS = { waiting: 'joining', joined: 'joined', talking: 'joined, talking', failed: 'join failed', removed: 'removed', notJoined: 'not joined' } as const;

async function storePath(program: Command, opts: { store?: string }): Promise<string> {
  return resolve(opts.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path);
}

/** The label (or bare install code): from a file, else stdin (a hidden prompt on a terminal). */
async function readLabel(labelFile: string | undefined): Promise<string> {
  if (labelFile !== undefined) {
    const text = await readFile(labelFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new PairCommandError('LABEL_FILE_UNREADABLE', error.code === 'ENOENT' ? 'no such file' : 'cannot be read', { where: labelFile });
    });
    return text.split(/\r?\n/).find((line) => line.trim() !== '')?.trim() ?? '';
  }
  const input = secretInput(process.stdin, process.stderr);
  try {
    return (await input.read('Scan or type the label (or its install code): ')).trim();
  } catch {
    throw new PairCommandError('LABEL_NOT_GIVEN', 'no label on standard input: scan or type it at the prompt, pipe it in, or give --label-file (never on the command line)', { where: 'label' });
  } finally {
    input.close();
  }
}

async function hubAnswer<R>(path: string, op: string, args: Record<string, unknown>): Promise<R> {
  const client = await ControlClient.connect(path);
  if (!client) throw new ControlError('HUB_NOT_RUNNING', 'no hub is running on this store: start it (hub start)', { where: path });
  try {
    return await client.request<R>(op, args);
  } finally {
    await client.close();
  }
}

function describeAdd(outcome: PairOutcome): string {
  const halves = outcome.plan.map((step) => `${JOIN_PHASE_WORDS[step.phase]} ${Math.round(step.durationMs / 1000)} s`).join(', then ');
  return `${outcome.added ? `Added ${outcome.eui64} to the CHF Device Log; its` : `${outcome.eui64} is whitelisted; its`} join window is open: ${halves}.\n`;
}

const ago = (ms: number | null) => (ms === null ? 'never' : `${Math.max(0, Math.round((Date.now() - ms) / 1000))} s ago`);

/** `hub devices`: the HAN as a table a person reads at a glance. */
export async function devicesTable(path: string, json = false): Promise<string> {
  const { mode, capacity, devices } = await invoke(pairDevices, {}, { storePath: path });
  if (json) return `${JSON.stringify({ mode, capacity, devices }, null, 2)}\n`;
  if (devices.length === 0) return `No Devices in the CHF Device Log (capacity ${capacity}).\n`;
  const rows = devices.map((d) => [d.eui64, d.deviceType, STATE_WORDS[d.state], d.linkKey === 'established' ? 'yes' : 'no', ago(d.lastHeard), d.rssi === null ? '-' : `${d.rssi} dBm`, d.lqi === null ? '-' : String(d.lqi)]);
  return `${table(['EUI-64', 'TYPE', 'STATE', 'LINK KEY', 'LAST HEARD', 'SIGNAL', 'LQI'], rows)}${devices.length} of ${capacity} Devices; installer mode: ${mode}\n`;
}

export function registerPair(program: Command): void {
  const pair = program.command('pair').description('pair HAN Devices at the running hub: add by label, watch them join, remove');
  const out = (text: string) => void process.stdout.write(text);
  const withStore = (command: Command) => command.option('--store <path>', 'the store directory (default: store.path from the config)');
  type Common = { store?: string };

  withStore(
    pair
      .command('add')
      .description('pair a Device by its label: in local-add mode it is added to the CHF Device Log; in watch mode it must be whitelisted by CCS01 with the same install code. Opens its join window')
      .option('--label-file <file>', 'a file holding the scanned label (Z:<EUI-64>$I:<code>, <EUI-64>|<code>, hex) or the install code alone (default: a prompt, or stdin)')
      .option('--eui64 <eui64>', "the Device's EUI-64, when the label holds only the install code")
      .option('--type <type>', `the Device type, to add it in local-add mode (${NAMEABLE_DEVICE_TYPES.filter((t) => t !== 'GPF').join(', ')})`)
      .option('--watch', 'then watch it join, as `hub pair watch` (the exit status says how it ended)')
      .option('--until <goal>', 'with --watch: joined (TC link key) or message (first GBCS message)', 'message')
      .option('--timeout <seconds>', 'with --watch: give up after this long (exit 8)', Number),
  ).action(async (opts: Common & { labelFile?: string; eui64?: string; type?: string; watch?: boolean; until: WatchGoal; timeout?: number }) => {
    const path = await storePath(program, opts);
    const label = await readLabel(opts.labelFile);
    const args: PairAddArgs = { label, ...(opts.eui64 ? { eui64: opts.eui64 } : {}), ...(opts.type ? { deviceType: opts.type } : {}) };
    const outcome = await hubAnswer<PairOutcome>(path, 'pair.add', args as Record<string, unknown>);
    out(describeAdd(outcome));
    if (opts.watch) process.exitCode = await watchJoin({ storePath: path, eui64: outcome.eui64, until: opts.until, ...(opts.timeout ? { timeoutSeconds: opts.timeout } : {}), out: process.stdout });
  });

  withStore(
    pair
      .command('watch')
      .description(`watch a Device join, stage by stage, with the join window's countdown; exit status: ${Object.entries(WATCH_EXIT).map(([k, v]) => `${v} ${k}`).join(', ')}`)
      .argument('<eui64>')
      .option('--until <goal>', 'joined (TC link key) or message (first GBCS message)', 'message')
      .option('--timeout <seconds>', 'give up after this long (exit 8)', Number),
  ).action(async (eui64: string, opts: Common & { until: WatchGoal; timeout?: number }) => {
    if (opts.until !== 'joined' && opts.until !== 'message') throw new PairCommandError('BAD_UNTIL', 'is joined or message', { where: '--until' });
    process.exitCode = await watchJoin({ storePath: await storePath(program, opts), eui64: parseEui64(eui64), until: opts.until, ...(opts.timeout ? { timeoutSeconds: opts.timeout } : {}), out: process.stdout });
  });

  withStore(pair.command('remove').description('remove a Device from the CHF Device Log (local-add mode; its key goes to the Historic Device Log)').argument('<eui64>')).action(async (eui64: string, opts: Common) => {
    const outcome = await hubAnswer<{ eui64: string; keptInHistoricLog: boolean }>(await storePath(program, opts), 'pair.remove', { eui64 });
    out(`Removed ${outcome.eui64} from the CHF Device Log${outcome.keptInHistoricLog ? '; its TC link key was kept in the Historic Device Log' : ''}.\n`);
  });
}
