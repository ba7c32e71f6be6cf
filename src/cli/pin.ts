import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { SystemClock, type Clock } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { loadConfig } from '../config.js';
import { invoke, type InvokeOptions, pinChange, pinSet, pinStatus, pinVerify } from '../control/index.js';
import type { PinKind } from '../security/pin-rules.js';
import type { PinStatus } from '../security/pin-store.js';
import { secretInput, type SecretInput, type TerminalLike } from './pin-input.js';

/**
 * `hub pin set|change|verify|status`: the local interface to the hub's two PINs. The PIN is typed
 * at a prompt (echo off) or piped on standard input; there is deliberately no option or environment
 * variable that carries one. `set` works only while no PIN of that kind is set (the engineering PIN
 * at installation, the householder's privacy PIN at first or after the supplier disabled it with
 * GCS11); after that `change` needs the current PIN. Nothing here removes a PIN: only the
 * supplier's GCS11 removes the privacy PIN, and the engineering PIN is never removed.
 */
export class PinCommandError extends HubError {}

export interface PinCommandIo {
  input: TerminalLike;
  /** Prompts go here (standard error), so standard output stays the result. */
  prompt: NodeJS.WritableStream;
  output: NodeJS.WritableStream;
  clock: Clock;
}

const KINDS: PinKind[] = ['engineering', 'privacy'];

interface StoreOptions {
  store?: string;
  keys?: string;
}

async function target(program: Command, options: StoreOptions, clock: Clock): Promise<InvokeOptions> {
  const storePath = resolve(options.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path);
  return { storePath, clock, ...(options.keys ? { keysDir: options.keys } : {}) };
}

/** The PINs typed first, then one request: to the running hub through its socket, or to the store. */
async function withInput<T>(io: PinCommandIo, run: (input: SecretInput) => Promise<T>): Promise<T> {
  const input = secretInput(io.input, io.prompt);
  try {
    return await run(input);
  } finally {
    input.close();
  }
}

async function newPin(input: SecretInput, kind: PinKind): Promise<string> {
  const pin = await input.read(`New ${kind} PIN: `);
  const again = await input.read('Repeat the new PIN: ');
  if (pin !== again) throw new PinCommandError('PIN_MISMATCH', 'the two entries differ; nothing was changed', { where: `${kind} PIN` });
  return pin;
}

const seconds = (ms: number) => `${Math.ceil(ms / 1000)} s`;

function describeStatus(status: PinStatus): string {
  if (!status.set) return `${status.kind} PIN: not set`;
  const when = status.setAt === undefined ? '' : ` on ${new Date(status.setAt).toISOString()}`;
  const entry = status.lockedForMs > 0 ? `locked for ${seconds(status.lockedForMs)}` : 'open';
  return `${status.kind} PIN: set${when} (${status.setBy ?? 'unknown'}); ${status.failures} wrong since the last right one; entry ${entry}`;
}

function defaultIo(): PinCommandIo {
  return { input: process.stdin, prompt: process.stderr, output: process.stdout, clock: new SystemClock() };
}

/** `io` is for tests; by default the standard streams are used, looked up only when a pin command runs. */
export function registerPin(program: Command, given?: PinCommandIo): void {
  const ioNow = (): PinCommandIo => given ?? defaultIo();
  const pin = program.command('pin').description("set, change or check the engineering (installer) PIN or the householder's privacy PIN; the PIN is typed at a prompt or piped on stdin, never given as an argument");
  const storeOptions = (command: Command) =>
    command.option('--store <path>', 'the store directory (default: store.path from the config)').option('--keys <dir>', 'the directory with keys.json (default: the store directory)');
  const kindOption = () => new Option('--kind <kind>', 'which PIN').choices(KINDS).default('engineering');

  storeOptions(pin.command('set').description('set a PIN while none of its kind is set: the engineering PIN at installation, the privacy PIN by the householder (refused once one is set: use change)'))
    .addOption(kindOption())
    .action(async (options: StoreOptions & { kind: PinKind }) => {
      const io = ioNow();
      const at = await target(program, options, io.clock);
      const pin = await withInput(io, (input) => newPin(input, options.kind));
      await invoke(pinSet, { kind: options.kind, pin }, at);
      io.output.write(`${options.kind} PIN set\n`);
    });

  storeOptions(pin.command('change').description('change a PIN: asks for the current PIN, then the new one twice'))
    .addOption(kindOption())
    .action(async (options: StoreOptions & { kind: PinKind }) => {
      const io = ioNow();
      const at = await target(program, options, io.clock);
      const { current, pin } = await withInput(io, async (input) => ({ current: await input.read(`Current ${options.kind} PIN: `), pin: await newPin(input, options.kind) }));
      await invoke(pinChange, { kind: options.kind, current, pin }, at);
      io.output.write(`${options.kind} PIN changed\n`);
    });

  storeOptions(pin.command('verify').description('check a PIN (wrong PINs count towards a lockout)'))
    .addOption(kindOption())
    .action(async (options: StoreOptions & { kind: PinKind }) => {
      const io = ioNow();
      const at = await target(program, options, io.clock);
      const pin = await withInput(io, (input) => input.read(`${options.kind === 'engineering' ? 'Engineering' : 'Privacy'} PIN: `));
      await invoke(pinVerify, { kind: options.kind, pin }, at);
      io.output.write(`${options.kind} PIN accepted\n`);
    });

  storeOptions(pin.command('status').description('show whether each PIN is set, and whether entry is locked'))
    .option('--json', 'print JSON')
    .action(async (options: StoreOptions & { json?: boolean }) => {
      const io = ioNow();
      const statuses = await invoke(pinStatus, {}, await target(program, options, io.clock));
      io.output.write(options.json ? `${JSON.stringify(statuses, null, 2)}\n` : `${statuses.map(describeStatus).join('\n')}\n`);
    });
}
