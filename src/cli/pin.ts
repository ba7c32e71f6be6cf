import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { SystemClock, type Clock } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { loadConfig } from '../config.js';
import { openHubLogs } from '../logs/index.js';
import { PIN_ATTEMPT_POLICY } from '../security/pin-attempts.js';
import type { PinKind } from '../security/pin-rules.js';
import { PinStore, PinStoreError, type PinStatus } from '../security/pin-store.js';
import type { Store } from '../store/index.js';
import { openLocalStore } from './local-store.js';
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

const CHANNEL = 'cli';
const KINDS: PinKind[] = ['engineering', 'privacy'];

interface StoreOptions {
  store?: string;
  keys?: string;
}

async function openPins(program: Command, options: StoreOptions, clock: Clock, creating: boolean): Promise<{ store: Store; pins: PinStore }> {
  const path = resolve(options.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path);
  const { store, secureElement } = await openLocalStore(path, {
    ...(options.keys ? { keysDir: options.keys } : {}),
    creating,
    whileRunning: 'or use the local installer interface',
    errorClass: PinCommandError,
  });
  try {
    const logs = await openHubLogs(store, clock);
    const pins = await PinStore.open(store, { clock, securityLog: logs.securityLog, identifiers: async () => secureElement.owners() });
    return { store, pins };
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function withPins<T>(program: Command, options: StoreOptions, io: PinCommandIo, creating: boolean, run: (pins: PinStore, input: SecretInput) => Promise<T>): Promise<T> {
  const { store, pins } = await openPins(program, options, io.clock, creating);
  const input = secretInput(io.input, io.prompt);
  try {
    return await run(pins, input);
  } finally {
    input.close();
    await store.close();
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

async function verify(pins: PinStore, kind: PinKind, input: SecretInput, output: NodeJS.WritableStream): Promise<void> {
  const verdict = await pins.verify(kind, await input.read(`${kind === 'engineering' ? 'Engineering' : 'Privacy'} PIN: `), CHANNEL);
  if (verdict.ok) {
    output.write(`${kind} PIN accepted\n`);
    return;
  }
  if (verdict.why === 'notSet') throw new PinStoreError('PIN_NOT_SET', `no ${kind} PIN is set`, { where: `${kind} PIN` });
  if (verdict.retryAfterMs > 0) {
    const why = verdict.why === 'locked' ? 'PIN entry is locked' : `wrong PIN; after ${PIN_ATTEMPT_POLICY.freeFailures} wrong PINs entry locks`;
    throw new PinStoreError('PIN_LOCKED', `${why}: try again in ${seconds(verdict.retryAfterMs)}`, { where: `${kind} PIN`, retryAfterMs: verdict.retryAfterMs });
  }
  throw new PinStoreError('PIN_WRONG', 'wrong PIN', { where: `${kind} PIN` });
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
      await withPins(program, options, io, options.kind === 'engineering', async (pins, input) => {
        await pins.set(options.kind, await newPin(input, options.kind), { by: 'installation' }, CHANNEL);
        io.output.write(`${options.kind} PIN set\n`);
      });
    });

  storeOptions(pin.command('change').description('change a PIN: asks for the current PIN, then the new one twice'))
    .addOption(kindOption())
    .action(async (options: StoreOptions & { kind: PinKind }) => {
      const io = ioNow();
      await withPins(program, options, io, false, async (pins, input) => {
        const current = await input.read(`Current ${options.kind} PIN: `);
        await pins.set(options.kind, await newPin(input, options.kind), { by: 'currentPin', pin: current }, CHANNEL);
        io.output.write(`${options.kind} PIN changed\n`);
      });
    });

  storeOptions(pin.command('verify').description('check a PIN (wrong PINs count towards a lockout)'))
    .addOption(kindOption())
    .action(async (options: StoreOptions & { kind: PinKind }) => {
      const io = ioNow();
      await withPins(program, options, io, false, (pins, input) => verify(pins, options.kind, input, io.output));
    });

  storeOptions(pin.command('status').description('show whether each PIN is set, and whether entry is locked'))
    .option('--json', 'print JSON')
    .action(async (options: StoreOptions & { json?: boolean }) => {
      const io = ioNow();
      await withPins(program, options, io, false, async (pins) => {
        const statuses = [];
        for (const kind of KINDS) statuses.push(await pins.status(kind));
        io.output.write(options.json ? `${JSON.stringify(statuses, null, 2)}\n` : `${statuses.map(describeStatus).join('\n')}\n`);
      });
    });
}
