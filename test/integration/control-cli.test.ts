import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliCommand } from '../../src/sim-process.js';

/**
 * Every `hub` subcommand that works on the store, run as a person would (a child process, PINs
 * piped on stdin) against a running `hub start` (through its control socket) and against a store
 * whose hub has stopped: the same results, and never STORE_IN_USE. Two hubs start from nothing
 * with the same scenario; one keeps running, the other is stopped, so both stores hold the same
 * things apart from random keys, PAN ids and times, which are masked before comparing.
 */

const PIN = '482910';
const NEW_PIN = '730418';
const SPARE = '00DB1234567890C0';
const SPARE_CODE = '83FED3407A939723A5C639B26916D505C3B5';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function hub(configPath: string, args: string[], stdin: string[] = []): Promise<Run> {
  const { command, args: base } = cliCommand();
  const child = spawn(command, [...base, '--config', configPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin.map((line) => `${line}\n`).join(''));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function startHub(configPath: string): Promise<{ child: ChildProcess; stop: () => Promise<void> }> {
  const { command, args } = cliCommand();
  const child = spawn(command, [...args, '--config', configPath, 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (text) => {
      if ((JSON.parse(text) as { msg: string }).msg === 'hub ready') resolve();
    });
    void exited.then(() => reject(new Error(`hub start exited early:\n${stderr}`)));
  });
  return { child, stop: async () => void (child.kill('SIGTERM'), await exited) };
}

async function makeConfig(name: string): Promise<{ dir: string; config: string; store: string }> {
  const dir = await mkdtemp(join(tmpdir(), `hub-control-${name}-`));
  const store = join(dir, 'state');
  const config = join(dir, 'hub.yaml');
  await writeFile(config, `store:\n  path: ${store}\n`, { mode: 0o600 });
  await writeFile(join(dir, 'bundle.bin'), 'the same bundle for both hubs\n');
  return { dir, config, store };
}

/** What differs between two hubs by chance or by the clock, masked. */
function normalise(text: string, store: string): string {
  return text
    .replaceAll(store, '<store>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
    .replace(/("hashedTcLinkKey": ")[0-9a-f]+/g, '$1<hash>')
    .replace(/hash [0-9a-f]{8}…/g, 'hash <hash>…')
    .replace(/PAN id 0x[0-9A-F]{4}, extended PAN id [0-9A-F]{16}/g, 'PAN id <pan>')
    .replace(/extended PAN id [0-9A-F]{16}/g, 'extended PAN id <pan>')
    .replace(/"(lastCommunication|signalStrength)": [^,\n]+/g, '"$1": <varies>')
    .replace(/("sequence": )\d+/g, '$1<n>');
}

/**
 * The script both hubs are put through; it ends where it began for the Device Log, so a second run
 * would give the same answers. Logs are read by the entries the script itself caused.
 */
function script(dir: string): Array<{ args: string[]; stdin?: string[] }> {
  const image = join(dir, 'image.bin');
  return [
    { args: ['devices', 'list', '--json'] },
    { args: ['devices', 'historic'] },
    { args: ['devices', 'add', SPARE, 'ESME', SPARE_CODE] },
    { args: ['devices', 'add', SPARE, 'ESME', SPARE_CODE, '--json'] },
    { args: ['devices', 'remove', SPARE] },
    { args: ['devices', 'remove', SPARE] },
    { args: ['pin', 'status', '--json'] },
    { args: ['pin', 'set'], stdin: [PIN, PIN] },
    { args: ['pin', 'verify'], stdin: ['999999'] },
    { args: ['logs', 'security', '--limit', '1', '--json'] },
    { args: ['pin', 'verify'], stdin: [PIN] },
    { args: ['pin', 'change'], stdin: [PIN, NEW_PIN, NEW_PIN] },
    { args: ['gpf', 'status'] },
    { args: ['gpf', 'restrict', 'on'], stdin: [NEW_PIN] },
    { args: ['gpf', 'restrict', 'on'], stdin: [NEW_PIN] },
    { args: ['gpf', 'status', '--json'] },
    { args: ['logs', 'event', '--limit', '1'] },
    { args: ['network', 'backup', join(dir, 'network.json')] },
    { args: ['network', 'restore', join(dir, 'network.json')] },
    { args: ['firmware', 'pack', join(dir, 'bundle.bin'), '-o', image, '--unsigned', '--manufacturer', '0x1234', '--image-type', '0x0001', '--file-version', '0x00000002'] },
    { args: ['firmware', 'inspect', image, '--store', join(dir, 'state'), '--signature', 'absent'] },
    { args: ['firmware', 'status'] },
    { args: ['store', 'check'] },
  ];
}

describe('every hub subcommand, against a running hub and a stopped one', () => {
  const running = { dir: '', config: '', store: '' };
  const stopped = { dir: '', config: '', store: '' };
  let live: Awaited<ReturnType<typeof startHub>> | undefined;

  beforeAll(async () => {
    Object.assign(running, await makeConfig('running'));
    Object.assign(stopped, await makeConfig('stopped'));
    const [a, b] = await Promise.all([startHub(running.config), startHub(stopped.config)]);
    live = a;
    await b.stop();
  }, 180_000);

  afterAll(async () => {
    await live?.stop();
    for (const dir of [running.dir, stopped.dir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives the same results, never STORE_IN_USE', async () => {
    const steps = script('');
    const online: unknown[] = [];
    const offline: unknown[] = [];
    for (let i = 0; i < steps.length; i++) {
      const there = script(running.dir)[i]!;
      const here = script(stopped.dir)[i]!;
      const [a, b] = await Promise.all([hub(running.config, there.args, there.stdin), hub(stopped.config, here.args, here.stdin)]);
      const what = `hub ${steps[i]!.args.join(' ')}`;
      expect(a.stderr + b.stderr, what).not.toContain('STORE_IN_USE');
      expect(a.stderr + b.stderr, what).not.toMatch(/\n\s+at /);
      online.push({ what, code: a.code, stdout: normalise(a.stdout, running.dir), stderr: normalise(a.stderr, running.dir) });
      offline.push({ what, code: b.code, stdout: normalise(b.stdout, stopped.dir), stderr: normalise(b.stderr, stopped.dir) });
    }
    expect(online).toEqual(offline);
    // The running hub really was used: it still runs, and its store is held.
    expect(live?.child.exitCode).toBeNull();
  }, 600_000);
});
