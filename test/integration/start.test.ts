import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { listDevices } from '../../src/cli/devices.js';
import { cliCommand } from '../../src/sim-process.js';
import { readEmbeddedLogins } from '../../src/wan/embedded-login.js';
import { Subscriber } from '../src/wan/subscriber.js';

interface LogLine {
  msg: string;
  device?: string;
  reason?: string;
  devices?: number;
  level?: number;
  radio?: string;
  broker?: string;
  topics?: string;
}

/** Keys a JSON log line names twice at its top level (pino writes a child's binding again if a call repeats it). */
function repeatedKeys(text: string): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  let depth = 0;
  for (const match of text.matchAll(/"((?:[^"\\]|\\.)*)"(\s*:)?|[{}[\]]/g)) {
    const token = match[0];
    if (token === '{' || token === '[') depth++;
    else if (token === '}' || token === ']') depth--;
    else if (match[2] && depth === 1) {
      if (seen.has(match[1]!)) repeated.push(match[1]!);
      seen.add(match[1]!);
    }
  }
  return repeated;
}

/** Runs `hub start` as a newcomer would (no radio configured), reading its JSON log lines until `until` matches. */
async function runStart(configPath: string, until: (line: LogLine) => boolean) {
  const { command, args } = cliCommand();
  const child = spawn(command, [...args, '--config', configPath, 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  const raw: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const reader = createInterface({ input: child.stdout });
    reader.on('line', (text) => {
      raw.push(text);
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      if (until(line)) resolve();
    });
    void exited.then((code) => reject(new Error(`hub start exited (${code}) early:\n${stderr}\n${lines.map((l) => l.msg).join('\n')}`)));
  });
  return { lines, raw, stderr: () => stderr, stop: async () => (child.kill('SIGTERM'), exited) };
}

describe('hub start with no radio configured', () => {
  it('starts the simulated HAN, forms the network, admits the scenario devices, refuses the intruder and says ready', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-start-'));
    const config = join(dir, 'hub.yaml');
    await writeFile(config, `store:\n  path: ${join(dir, 'state')}\n`, { mode: 0o600 });

    const first = await runStart(config, (line) => line.msg === 'hub ready');
    const messages = first.lines.map((l) => l.msg);
    expect(messages).toContain('network up');
    const joined = first.lines.filter((l) => l.msg.endsWith('joined the HAN')).map((l) => l.device);
    expect(joined.sort()).toEqual(['esme', 'gsme', 'ihd', 'ppmid']);
    const intruder = first.lines.find((l) => l.device === 'intruder');
    expect(intruder).toMatchObject({ reason: 'WRONG_KEY', level: 30 });
    expect(intruder?.msg).toMatch(/^intruder was refused, as expected/);
    // No radio configured: said once, loudly, before anything else.
    expect(first.lines.filter((l) => l.radio === 'simulated')).toEqual([expect.objectContaining({ level: 40, msg: expect.stringMatching(/^NO RADIO CONFIGURED/) })]);
    expect(messages.indexOf('network up')).toBeLessThan(messages.indexOf('hub ready'));
    // Telemetry says the radio is the simulator, too.
    const topics = first.lines.find((l) => l.topics)!.topics!.replace('{command,response,alert,state,telemetry}', 'telemetry');
    // The embedded broker takes the tools' login the hub made beside its store.
    const logins = await readEmbeddedLogins(join(dir, 'state'));
    const head = await Subscriber.connect(first.lines.find((l) => l.broker)!.broker!, [topics], { ...logins!.tools });
    try {
      const [telemetry] = await head.until((received) => received.length > 0);
      expect(JSON.parse(telemetry!.payload.toString()).radio).toMatchObject({ mode: 'simulated' });
    } finally {
      await head.close();
    }
    expect(await first.stop()).toBe(0);
    // Every line, the hub's and the simulator's (on stderr), names each key once.
    const jsonLines = [...first.raw, ...first.stderr().split('\n').filter((l) => l.startsWith('{'))];
    expect(jsonLines.filter((l) => repeatedKeys(l).length > 0)).toEqual([]);
    expect(repeatedKeys('{"a":1,"b":{"a":2},"a":3}')).toEqual(['a']);
    // The CHF's and GPF's key pairs are made at start, not by whichever message reaches them first.
    const identity = first.lines.find((l) => l.msg === 'GBCS identity') as unknown as { chf: string; gpf: string };
    const keyFile = JSON.parse(await readFile(join(dir, 'state', 'keys.json'), 'utf8')) as { owners: Record<string, unknown> };
    expect(Object.keys(keyFile.owners).sort()).toEqual([identity.chf, identity.gpf].sort());

    // What the hub acknowledged is in its store after it stopped; install codes are never shown in full.
    const listed = (JSON.parse(await listDevices({ store: join(dir, 'state') }, true)) as { devices: Array<{ eui64: string; tcLinkKey: string }> }).devices;
    const established = listed.filter((d) => d.tcLinkKey === 'established').map((d) => d.eui64);
    expect(established.sort()).toEqual(['00DB1234567890A0', '00DB1234567890A1', '00DB1234567890A4', '00DB1234567890A5']);

    // A second start finds its Device Log and admits the same devices again.
    const second = await runStart(config, (line) => line.msg === 'hub ready');
    expect(second.lines.find((l) => l.msg === 'hub ready')?.devices).toBe(listed.length);
    expect(await second.stop()).toBe(0);
  });

  it('refuses to start with a config file other users can read, saying how to fix it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-start-'));
    const config = join(dir, 'hub.yaml');
    await writeFile(config, `store:\n  path: ${join(dir, 'state')}\n`);
    await chmod(config, 0o644);
    const { command, args } = cliCommand();
    const child = spawn(command, [...args, '--config', config, 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain(config);
    expect(stderr).toMatch(/chmod 600/);
  });
});
