import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliCommand } from '../../src/sim-process.js';
import { usePtyPair } from '../helpers/pty.js';

/** Runs `hub start` as a real process with this config text until it exits on its own. */
async function startUntilExit(configText: string, env: Record<string, string> = {}, store?: string) {
  const dir = await mkdtemp(join(tmpdir(), 'hub-start-refused-'));
  const config = join(dir, 'hub.yaml');
  await writeFile(config, `store:\n  path: ${store ?? join(dir, 'state')}\n${configText}`, { mode: 0o600 });
  const { command, args } = cliCommand();
  const child = spawn(command, [...args, '--config', config, 'start'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, HUB_LOG_FORMAT: 'json' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr, dir };
}

/** A stack trace's frames, which an expected failure must not print. */
const STACK_FRAME = /^\s+at /m;

describe('hub start with a radio configured but absent', () => {
  it('refuses a named board with no device present: names the ports tried and `hub doctor`, never starts the simulator', async () => {
    // A board profile like the shipped ones, on paths that cannot exist here, so the test means the same on a Pi.
    const boards = await mkdtemp(join(tmpdir(), 'hub-boards-'));
    const missing = join(boards, 'no-such-uart');
    await mkdir(boards, { recursive: true });
    await copyFile(join('boards', 'schema.json'), join(boards, 'schema.json'));
    const profile = {
      name: 'bench-board', title: 'A board with its radio unplugged',
      serial: { path: missing, fallbackPaths: [`${missing}-fallback`], baudRate: 115200, flowControl: 'hardware' },
      radioReset: null, statusLed: null,
    };
    await writeFile(join(boards, 'bench-board.json'), JSON.stringify(profile));

    const run = await startUntilExit('radio:\n  board: bench-board\n', { HUB_BOARDS_DIR: boards });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(missing);
    expect(run.stderr).toContain('hub doctor --board bench-board');
    expect(run.stderr).toContain('PORT_NOT_FOUND');
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/simulat/i);
  });

  it('refuses a radio.port with nothing there, naming the port and `hub doctor --port`', async () => {
    const run = await startUntilExit('radio:\n  port: /dev/hub-test-no-such-radio\n');
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('/dev/hub-test-no-such-radio');
    expect(run.stderr).toContain('hub doctor --port /dev/hub-test-no-such-radio');
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/simulat/i);
  });
});

describe('hub start on a serial port with no radio behind it', () => {
  it('fails with ASH_TIMEOUT and the `hub doctor --port` line to run, with no stack', async () => {
    // A real pty whose far end nobody answers: the port opens, RST frames get no RSTACK.
    const pair = await usePtyPair();
    const run = await startUntilExit(`radio:\n  port: ${pair.a}\n`);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`hub doctor --port ${pair.a}`);
    expect(run.stderr).toContain('[ASH_TIMEOUT]');
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/simulat/i);
  }, 60_000);
});

describe('hub start with a setting it cannot use', () => {
  it('refuses a store.path this user may not create, naming the path and what to do, with no stack', async () => {
    // Not even root may make a directory in sysfs; a normal user under /var/lib fails the same way (EACCES).
    const store = '/sys/hub-test-store';
    const run = await startUntilExit('', {}, store);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${store}: this user may not create the store directory`);
    expect(run.stderr).toMatch(/set store\.path to a directory this user owns/);
    expect(run.stderr).toContain('[STORE_PATH_DENIED]');
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.stdout).toBe('');
  });

  it('refuses a wan.ca file that is not there at start instead of retrying the broker for ever', async () => {
    const run = await startUntilExit('wan:\n  broker: mqtts://127.0.0.1:8883\n  ca: /nonexistent/hub-test-ca.pem\n');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('/nonexistent/hub-test-ca.pem: wan.ca: file not found');
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.stdout).toBe('');
  });
});
