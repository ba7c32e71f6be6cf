import { spawn } from 'node:child_process';
import { openSync, closeSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { buildProgram, main } from '../../../src/cli.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { PinError } from '../../../src/security/pin-rules.js';
import { PIN_DOMAIN } from '../../../src/security/pin-store.js';
import { jsonCodec, openStore } from '../../../src/store/index.js';
import { usePtyPair } from '../../helpers/pty.js';
import { tempDir } from '../store/helpers.js';
import { runPin } from './pin-cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PIN = '482910';
const NEW_PIN = '730418';

const pin = runPin;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

/** The stored engineering PIN record (hash, salt, counters), or undefined. */
async function storedRecord(dir: string): Promise<unknown> {
  const secureElement = await FileSecureElement.open({ stateDir: dir });
  const store = await openStore({ path: dir, secureElement });
  try {
    return await (await store.domain({ name: PIN_DOMAIN, codec: jsonCodec<{ hash?: unknown }>(), personal: true })).get('engineering').then((r) => r?.hash);
  } finally {
    await store.close();
  }
}

let dir: string;

describe('hub pin', () => {
  it('sets the PIN at installation from two entries, then only changes it with the current PIN', async () => {
    dir = await tempDir('hub-cli-pin-');
    const first = await pin(['set', '--store', dir], [PIN, PIN]);
    expect(first.out).toBe('engineering PIN set\n');
    // Piped input is read without prompts, and nothing is echoed.
    expect(first.prompts).toBe('');

    expect(await rejection(pin(['set', '--store', dir], [NEW_PIN, NEW_PIN]))).toMatchObject({ code: 'PIN_ALREADY_SET' });
    expect(await rejection(pin(['change', '--store', dir], ['999111', NEW_PIN, NEW_PIN]))).toMatchObject({ code: 'PIN_WRONG' });
    expect(await rejection(pin(['change', '--store', dir], [PIN, NEW_PIN, '730419']))).toMatchObject({ code: 'PIN_MISMATCH' });
    const weak = await rejection(pin(['change', '--store', dir], [PIN, '654321', '654321']));
    expect(weak).toBeInstanceOf(PinError);
    expect(weak.message).toMatch(/descending/);
    expect((await pin(['verify', '--store', dir], [PIN])).out).toBe('engineering PIN accepted\n');

    expect((await pin(['change', '--store', dir], [PIN, NEW_PIN, NEW_PIN])).out).toBe('engineering PIN changed\n');
    expect(await rejection(pin(['verify', '--store', dir], [PIN]))).toMatchObject({ code: 'PIN_WRONG' });
    expect((await pin(['verify', '--store', dir], [NEW_PIN])).out).toBe('engineering PIN accepted\n');
  });

  it('refuses a weak first PIN with the reason, and two entries that differ, setting nothing', async () => {
    dir = await tempDir('hub-cli-pin-');
    expect((await rejection(pin(['set', '--store', dir], ['1234', '1234']))).message).toMatch(/well-known default/);
    expect(await rejection(pin(['set', '--store', dir], [PIN, '482911']))).toMatchObject({ code: 'PIN_MISMATCH' });
    expect(await rejection(pin(['set', '--store', dir], [PIN]))).toMatchObject({ code: 'PIN_INPUT_ENDED' });
    expect((await pin(['status', '--store', dir], [])).out).toMatch(/^engineering PIN: not set\nprivacy PIN: not set\n$/);
  });

  it('locks verification after three wrong PINs for the Clock minute, and reports status', async () => {
    dir = await tempDir('hub-cli-pin-');
    const clock = new ManualClock(Date.UTC(2026, 4, 1));
    await pin(['set', '--store', dir], [PIN, PIN], clock);
    for (let i = 0; i < 2; i++) expect(await rejection(pin(['verify', '--store', dir], ['111222'], clock))).toMatchObject({ code: 'PIN_WRONG' });
    expect((await rejection(pin(['verify', '--store', dir], ['111222'], clock))).message).toMatch(/after 3 wrong PINs entry locks: try again in 60 s/);
    expect((await rejection(pin(['verify', '--store', dir], [PIN], clock))).message).toMatch(/PIN entry is locked: try again in 60 s/);
    const status = JSON.parse((await pin(['status', '--store', dir, '--json'], [], clock)).out) as Array<Record<string, unknown>>;
    expect(status[0]).toMatchObject({ kind: 'engineering', set: true, failures: 3, lockedForMs: 60_000, setBy: 'installation' });
    expect((await pin(['status', '--store', dir], [], clock)).out).toMatch(/3 wrong since the last right one; entry locked for 60 s/);
    await clock.advance(60_000);
    expect((await pin(['verify', '--store', dir], [PIN], clock)).out).toBe('engineering PIN accepted\n');
    expect(await rejection(pin(['verify', '--store', dir, '--kind', 'privacy'], [PIN], clock))).toMatchObject({ code: 'PIN_NOT_SET' });
  });

  it("lets the householder set the privacy PIN while none is set and change it by proving it; never creates a store for it", async () => {
    dir = await tempDir('hub-cli-pin-');
    expect(await rejection(pin(['set', '--kind', 'privacy', '--store', join(dir, 'none')], ['7193', '7193']))).toMatchObject({ code: 'STORE_NOT_FOUND' });
    await pin(['set', '--store', dir], [PIN, PIN]);
    expect((await rejection(pin(['set', '--kind', 'privacy', '--store', dir], ['1234', '1234']))).message).toMatch(/well-known default/);
    expect((await pin(['set', '--kind', 'privacy', '--store', dir], ['7193', '7193'])).out).toBe('privacy PIN set\n');
    expect(await rejection(pin(['set', '--kind', 'privacy', '--store', dir], ['9041', '9041']))).toMatchObject({ code: 'PIN_ALREADY_SET' });
    expect(await rejection(pin(['change', '--kind', 'privacy', '--store', dir], ['8080', '9041', '9041']))).toMatchObject({ code: 'PIN_WRONG' });
    expect((await pin(['change', '--kind', 'privacy', '--store', dir], ['7193', '9041', '9041'])).out).toBe('privacy PIN changed\n');
    expect((await pin(['verify', '--kind', 'privacy', '--store', dir], ['9041'])).out).toBe('privacy PIN accepted\n');
    // The two PINs are apart: the engineering PIN is as it was.
    expect((await pin(['verify', '--store', dir], [PIN])).out).toBe('engineering PIN accepted\n');
  });

  it('refuses to read a store that is not there rather than creating one', async () => {
    dir = await tempDir('hub-cli-pin-');
    expect(await rejection(pin(['verify', '--store', join(dir, 'none')], [PIN]))).toMatchObject({ code: 'STORE_NOT_FOUND' });
  });

  it('has no entry point that changes the PIN without proof of authority, and none that takes a PIN as an argument', async () => {
    dir = await tempDir('hub-cli-pin-');
    const program = await buildProgram();
    const pinCommand = program.commands.find((command) => command.name() === 'pin')!;
    const names = pinCommand.commands.map((command) => command.name()).sort();
    // A new subcommand must be added to this list, with its own no-proof attempts below.
    expect(names).toEqual(['change', 'set', 'status', 'verify']);
    for (const command of pinCommand.commands) {
      expect(command.registeredArguments, command.name()).toHaveLength(0);
      expect(command.options.map((option) => option.long).filter((long) => /pin|secret|code/i.test(long ?? ''))).toEqual([]);
    }

    await pin(['set', '--store', dir], [PIN, PIN]);
    const before = await storedRecord(dir);
    const attempts: Array<[string[], string[]]> = [
      [['set', '--store', dir], [NEW_PIN, NEW_PIN]],
      [['change', '--store', dir], ['000111', NEW_PIN, NEW_PIN]],
      [['change', '--store', dir], ['', NEW_PIN, NEW_PIN]],
      [['change', '--store', dir], []],
      [['verify', '--store', dir], [NEW_PIN]],
      [['verify', '--store', dir, '--kind', 'privacy'], [NEW_PIN]],
      [['status', '--store', dir], [NEW_PIN, NEW_PIN]],
    ];
    for (const [args, lines] of attempts) await pin(args, lines).catch(() => undefined);
    expect(await storedRecord(dir)).toEqual(before);
  });
});

describe('hub pin as a process', () => {
  function run(args: string[], stdin: number | 'ignore', env: NodeJS.ProcessEnv = process.env) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'pin', ...args], { cwd: ROOT, stdio: [stdin, 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk) => (out += String(chunk)));
    child.stderr?.on('data', (chunk) => (err += String(chunk)));
    const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
    return { child, exited, output: () => ({ out, err }) };
  }

  it('reads the PIN at a terminal prompt with echo off', async () => {
    dir = await tempDir('hub-cli-pin-');
    const pair = await usePtyPair();
    const terminal = openSync(pair.a, 'r+');
    const keyboard = openSync(pair.b, 'r+');
    try {
      const hub = run(['set', '--store', dir], terminal);
      const typed = (text: string) => writeFileSync(keyboard, text);
      await until(() => hub.output().err.includes('New engineering PIN: '));
      typed(`${PIN.slice(0, 3)}9\x7f${PIN.slice(3)}\r`);
      await until(() => hub.output().err.includes('Repeat the new PIN: '));
      typed(`${PIN}\r`);
      expect(await hub.exited).toBe(0);
      expect(hub.output().out).toBe('engineering PIN set\n');
      expect(hub.output().err).not.toContain(PIN);
    } finally {
      closeSync(terminal);
      closeSync(keyboard);
    }
    expect((await pin(['verify', '--store', dir], [PIN])).out).toBe('engineering PIN accepted\n');
  });

  it('never takes the PIN from argv or the environment', async () => {
    dir = await tempDir('hub-cli-pin-');
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    expect(await main(['pin', 'set', PIN, '--store', dir])).not.toBe(0);
    vi.restoreAllMocks();
    expect(stderr.join('')).toMatch(/too many arguments/);
    expect(stderr.join('')).not.toContain(PIN);

    const env = { ...process.env, HUB_PIN: PIN, PIN, HUB_ENGINEERING_PIN: PIN };
    const fromEnv = run(['set', '--store', dir], 'ignore', env);
    expect(await fromEnv.exited).toBe(2);
    expect(fromEnv.output().err).toMatch(/no PIN on standard input/);
    expect(await storedRecord(dir)).toBeUndefined();
    expect(await readFile(join(dir, 'keys.json'), 'utf8')).not.toContain(PIN);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for the prompt');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
