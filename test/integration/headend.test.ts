import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../hal/sim/scenario.js';
import { cliCommand } from '../../src/sim-process.js';
import { decodeMessage, encodeMessage } from '../../src/gbcs/index.js';
import { loadVectors } from '../helpers/rtds.js';

/**
 * `npm start` in one terminal and `hub headend …` in another: the demo hub (no config, the
 * simulator, the embedded broker) trusts the demo head end, and real GBCS goes both ways.
 */
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function hub(cwd: string, args: string[], stdin?: string): Promise<Run> {
  const { command, args: prefix } = cliCommand();
  const child = spawn(command, [...prefix, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin ?? '');
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

let dir: string;
let stopHub: () => Promise<unknown>;
let hubLog = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-headend-'));
  const { command, args } = cliCommand();
  const child = spawn(command, [...args, 'start'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  stopHub = async () => (child.kill('SIGTERM'), exited);
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      hubLog += `${line}\n`;
      if (line.includes('"hub ready"')) resolve();
    });
    void exited.then((code) => reject(new Error(`hub start exited (${String(code)}):\n${hubLog}`)));
  });
}, 90_000);

afterAll(async () => {
  await stopHub?.();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('hub headend against the demo hub', () => {
  it('keeps its keys owner-only in the store directory, and the demo hub says it trusts them', async () => {
    expect((await stat(join(dir, 'data', 'headend'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, 'data', 'headend', 'parties.json'))).mode & 0o777).toBe(0o600);
    expect(hubLog).toContain('the demo head end there is trusted');
    expect(hubLog).not.toContain('no Access Control Broker certificate is trusted');
  });

  it('reads the CHF Device Log (CCS06): a MACed response, decoded, naming the commissioned Devices', async () => {
    const run = await hub(dir, ['headend', 'ccs06']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^CCS06 answered by 00DB123456789000 \(counter \d+, MAC valid\):/);
    expect(run.stdout).toContain('result: 0 (success)');
    expect(run.stdout).toContain('deviceId: 00DB1234567890A0');
    expect(run.stdout).not.toContain('deviceId: 00DB1234567890A6');
  }, 60_000);

  it('reads the gas consumption register from the GPF (GCS13a) and gets a decoded GBZ answer', async () => {
    const run = await hub(dir, ['headend', 'gcs13a', '--json']);
    expect(run.code).toBe(0);
    const answer = JSON.parse(run.stdout) as { useCase: string; from: string; payload: string[] };
    expect(answer.useCase).toBe('GCS13a');
    expect(answer.from).toBe('00DB123456789001');
    expect(answer.payload.join('\n')).toContain('clusterId: 0x0702 Metering');
  }, 60_000);

  it('adds the simulated HCALCS (CCS01, install code from its label on stdin) and it joins', async () => {
    const scenario = await loadScenario(undefined);
    const hcalcs = scenario.devices.find((device) => !device.commissioned)!;
    const added = await hub(dir, ['headend', 'ccs01', hcalcs.eui64, '--type', hcalcs.type], hcalcs.installCode);
    expect(added.stderr).toBe('');
    expect(added.stdout).toMatch(/registerDevice:\s+result: 0 \(success\)/);
    expect(added.stdout).toMatch(/joiningEnabled:\s+result: 0 \(success\)/);
    // Joined: the next CCS06 lists it with a last communication (one that never joined shows ****).
    let entry = '';
    for (let attempt = 0; attempt < 20 && !/lastCommunication: \d{4}/.test(entry); attempt++) {
      const run = await hub(dir, ['headend', 'ccs06']);
      entry = run.stdout.split(`deviceId: ${hcalcs.eui64}`)[1]?.split('deviceId:')[0] ?? '';
      if (!/lastCommunication: \d{4}/.test(entry)) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(entry).toMatch(/lastCommunication: \d{4}-/);
    // The install code reached neither a log line nor argv.
    const code = hcalcs.installCode.toLowerCase();
    expect(hubLog.toLowerCase()).not.toContain(code);
    expect(hubLog.toLowerCase()).not.toContain(code.slice(0, 32));
    expect(await readFile(join(dir, 'data', 'headend', 'hub.json'), 'utf8')).not.toContain(code.slice(0, 32));
  }, 120_000);

  it('hub send says why a command got no answer: a recipient that is not this hub, or a refusal (here a replay)', async () => {
    const rtds = loadVectors().find((vector) => vector.name === 'CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX')!;
    const elsewhere = await hub(dir, ['send', rtds.bytes.toString('hex'), '--timeout', '2']);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/recipient 00DB1234567890A2 is not this hub's CHF \(00DB123456789000\).*UNKNOWN_RECIPIENT.*\[WAN_NO_RESPONSE\]/);

    const first = await hub(dir, ['headend', 'ccs06', '--json']);
    const command = (JSON.parse(first.stdout) as { command: string }).command;
    const replayed = await hub(dir, ['send', command, '--timeout', '2']);
    expect(replayed.code).toBe(2);
    expect(replayed.stderr).toContain('the hub refused it or has not answered yet');
    expect(replayed.stderr).toContain('hub logs security');
    expect(replayed.stderr).not.toMatch(/\n\s+at /);

    // For a Device in the Device Log that never joined (the intruder), the hub's relay report says why.
    const toIntruder = decodeMessage(rtds.bytes);
    toIntruder.header.recipient = '00DB1234567890AF';
    const unrelayed = await hub(dir, ['send', encodeMessage(toIntruder).toString('hex'), '--timeout', '30']);
    expect(unrelayed.code).toBe(2);
    expect(unrelayed.stderr).toMatch(/could not pass the command on to 00DB1234567890AF: UNREACHABLE.*\[WAN_NOT_RELAYED\]/);
  }, 90_000);
});

