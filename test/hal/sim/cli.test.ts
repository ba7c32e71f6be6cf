import { SystemClock } from '../../../hal/clock.js';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import { TcpTransport } from '../../../hal/transport/tcp.js';
import { usePtyPair } from '../../helpers/pty.js';
import { SerialTransport } from '../../../hal/transport/serial.js';
import type { Transport } from '../../../hal/transport/transport.js';
import { ControlClient } from './control-client.js';
import { RawHost } from './raw-host.js';
import { ESME, NETWORK } from './sim-setup.js';
import { startSimProcess } from './sim-process.js';

/** Run `hub` in this process, keeping what it writes (for paths that exit before serving anything). */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await main(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
const ESME_INSTALL_CODE = '83FED3407A939723A5C639B26916D505C3B5';

function tcp(url: string): TcpTransport {
  const match = /^tcp:\/\/([^:]+):(\d+)$/.exec(url)!;
  return TcpTransport.client({ host: match[1]!, port: Number(match[2]), clock: new SystemClock() });
}

/** Form a network over `transport`, let the ESME join through the control interface, and exchange one message each way. */
async function roundTrip(transport: Transport, controlUrl: string, tokenFile: string): Promise<void> {
  const host = new RawHost(transport);
  onTestFinished(() => host.close());
  await host.connect();
  await host.negotiate();
  await host.call('formNetwork', { parameters: NETWORK });
  await host.call('importTransientKey', { eui64: ESME, plaintextKey: linkKeyFromInstallCode(ESME_INSTALL_CODE), flags: 0 });
  await host.call('permitJoining', { duration: 60 });

  const control = await ControlClient.open(Number(controlUrl.split(':').pop()), tokenFile);
  onTestFinished(() => control.close());
  const joined = await control.request({ op: 'join', eui64: ESME });
  expect(joined).toMatchObject({ ok: true, outcome: { joined: true } });
  expect((await control.waitEvent('deviceJoined'))[0]).toMatchObject({ eui64: ESME });
  expect((await host.waitFor('trustCenterJoinHandler'))[0]).toMatchObject({ newNodeEui64: ESME });

  expect(await control.request({ op: 'send', from: ESME, payload: '0a0b', count: 2, numbered: true })).toMatchObject({ ok: true });
  const incoming = await host.waitFor('incomingMessageHandler', 2);
  expect(incoming.map((m) => m.messageContents.toString('hex'))).toEqual(['0a0b00000000', '0a0b00000001']);

  const nodeId = (joined['outcome'] as { nodeId: number }).nodeId;
  await host.call('sendUnicast', { type: 0, indexOrDestination: nodeId, apsFrame: { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1, options: 0, groupId: 0, sequence: 0 }, messageTag: 5, messageContents: Buffer.from('f00d', 'hex') });
  expect((await control.waitEvent('messageReceived'))[0]).toMatchObject({ eui64: ESME, payload: 'f00d' });
  expect(await control.request({ op: 'received', eui64: ESME })).toMatchObject({ messages: [{ payload: 'f00d' }] });
}

describe('hub sim', () => {
  it('explains every option in --help', async () => {
    const { code, stdout } = await inProcess(['sim', '--help']);
    expect(code).toBe(0);
    for (const option of ['--listen', '--serial', '--scenario', '--control', '--seed', '--corrupt-one-in', '--drop-one-in', '--duplicate-one-in', '--delay-ms', '--reset-after-frames', '--ezsp-version']) {
      expect(stdout).toContain(option);
    }
  });

  it('serves the NCP on TCP and the control interface beside it, and stops cleanly on SIGTERM', async () => {
    const sim = await startSimProcess(['--listen', 'tcp://127.0.0.1:0', '--control', '0', '--seed', '7']);
    onTestFinished(() => void sim.stop());
    expect(sim.listening).toMatchObject({ event: 'listening', seed: 7, ezspVersion: 13 });
    expect(sim.listening.radio).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.listening.control).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    await roundTrip(tcp(sim.listening.radio), sim.listening.control, sim.listening.controlTokenFile);
    expect(await sim.stop()).toBe(0);
    expect(sim.stderr()).not.toContain(ESME_INSTALL_CODE);
  });

  it('started by a hub (--with-parent), leaves SIGINT to the hub and stops once its stdin closes', async () => {
    const sim = await startSimProcess(['--with-parent', '--listen', 'tcp://127.0.0.1:0', '--control', '0'], 20_000, 'pipe');
    onTestFinished(() => void sim.stop());
    const exited = new Promise<number | null>((resolve) => sim.child.once('exit', (code) => resolve(code)));
    // Ctrl-C reaches the whole process group; the hub stops the simulator after its own radio.
    sim.child.kill('SIGINT');
    // Still serving after the signal: the NCP end takes a connection.
    const radio = tcp(sim.listening.radio);
    await radio.open();
    await radio.close();
    expect(sim.child.exitCode).toBeNull();
    // A hub that dies (even by SIGKILL) closes the pipe: the simulator does not outlive it.
    sim.child.stdin!.end();
    expect(await exited).toBe(0);
    expect(sim.stderr()).toContain('"signal":"parent gone"');
  });

  it('serves the NCP on one end of a pty pair', async () => {
    const pty = await usePtyPair();
    const sim = await startSimProcess(['--serial', pty.a]);
    onTestFinished(() => void sim.stop());
    expect(sim.listening.radio).toBe(pty.a);
    await roundTrip(new SerialTransport({ path: pty.b, baudRate: 115200 }), sim.listening.control, sim.listening.controlTokenFile);
    expect(await sim.stop()).toBe(0);
  });

  it('refuses a bad scenario with its path and a usage error for a bad number', async () => {
    const missing = await inProcess(['sim', '--scenario', '/nonexistent.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('/nonexistent.yaml: file not found [SCENARIO_UNREADABLE]');
    const bad = await inProcess(['sim', '--drop-one-in', 'lots']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--drop-one-in must be a whole number');
    const version = await inProcess(['sim', '--ezsp-version', '99']);
    expect(version.code).toBe(2);
    expect(version.stderr).toContain('EZSP 99 is outside 13..');
  });
});
