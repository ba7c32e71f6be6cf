import { describe, expect, it, onTestFinished } from 'vitest';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { SystemClock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import type { ApsAddress, IncomingMessage, RadioEvents } from '../../../hal/radio.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { SerialTransport } from '../../../hal/transport/serial.js';
import type { Transport } from '../../../hal/transport/transport.js';
import { usePtyPair } from '../../helpers/pty.js';

/**
 * Long messages through the real EZSP Radio and the real simulated NCP and device over ASH: a
 * 1,500-octet GBCS transfer is 22 APS blocks each way, on a line that corrupts and drops bytes.
 * Each message must arrive whole, exactly once and in order, and be reported delivered only when
 * every block was acknowledged; a message that cannot finish is reported, on either side.
 */

const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const ADDRESS: ApsAddress = { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1 };
const NOISE = { corruptOneIn: 400, dropOneIn: 800 };
/**
 * On the pty the line only corrupts: with dropped bytes as well the ASH link itself stalls there
 * ("no ACK after 4 timeouts") whatever it carries, which is the link's matter, not this test's.
 */
const PTY_NOISE = { corruptOneIn: 1000, dropOneIn: 0 };
const LONG = 1500;

/** A 1,500-octet message whose every block differs from the other messages' (numbered, then patterned). */
function long(tag: string, i: number): Buffer {
  const out = Buffer.alloc(LONG);
  for (let at = 0; at < LONG; at++) out[at] = (at * 7 + i * 31 + tag.charCodeAt(0)) & 0xff;
  out.write(`${tag}${i}`, 0);
  out.writeUInt32BE(i, LONG - 4);
  return out;
}

async function eventually(check: () => boolean, what: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function commissioned(sides: { host: Transport; ncp: Transport }, options: { reassemblyTimeoutMs?: number; indirectTimeoutMs?: number; ezspVersion?: number } = {}) {
  const clock = new SystemClock();
  const scenario = await loadScenario(undefined);
  if (options.indirectTimeoutMs !== undefined) scenario.aps.indirectTimeoutMs = options.indirectTimeoutMs;
  const sim = new Simulator({ scenario, clock, seed: 11, ezspVersion: options.ezspVersion, ash: { ackTimeInitMs: 400, ackTimeMinMs: 100 } });
  sim.serve(sides.ncp);
  const link = new AshEndpoint({ role: 'host', transport: sides.host, clock, ackTimeInitMs: 400, ackTimeMinMs: 100 });
  const radio = new EzspRadio({ link, clock, commandTimeoutMs: 3000, reconnectDelayMs: 50, fragmentation: { reassemblyTimeoutMs: options.reassemblyTimeoutMs } });
  onTestFinished(async () => {
    await radio.stop().catch(() => undefined);
    await sim.close();
  });
  await radio.start();
  await radio.formNetwork({ channel: 15, panId: 0x2c2c });
  const key = (eui64: string) => linkKeyFromInstallCode(scenario.devices.find((d) => d.eui64 === eui64)!.installCode);
  await radio.permitJoining([ESME, GSME].map((eui64) => ({ eui64, linkKey: key(eui64) })), 60);
  for (const eui64 of [ESME, GSME]) {
    const joined = new Promise<void>((resolve) => radio.on('deviceJoined', (d) => d.eui64 === eui64 && resolve()));
    expect(sim.join(eui64).joined).toBe(true);
    await joined;
  }
  const heard: IncomingMessage[] = [];
  radio.on('message', (m) => heard.push(m));
  return { sim, radio, heard };
}

/** Four long messages each way at once on a noisy line: whole, exactly once, in order, all acknowledged. */
async function bothWays(sides: { host: Transport; ncp: Transport }, faults: { corruptOneIn: number; dropOneIn: number }, ezspVersion?: number): Promise<void> {
  const { sim, radio, heard } = await commissioned(sides, { ezspVersion });
  expect(radio.host.version).toBe(ezspVersion ?? 13);
  sim.setFaults(faults);
  const count = 4;
  const down = Array.from({ length: count }, (_, i) => long('H', i));
  const up = Array.from({ length: count }, (_, i) => long('D', i));
  sim.send(ESME, up);
  const outcomes = await Promise.all(down.map((payload) => radio.send(ESME, ADDRESS, payload)));
  expect(outcomes).toEqual(down.map(() => ({ delivered: true })));
  await eventually(
    () => sim.outcomes(ESME).length === count,
    () => `${sim.outcomes(ESME).length} of ${count} device messages settled`,
  );
  await new Promise((resolve) => setTimeout(resolve, 200)); // room for a late duplicate to show itself

  const received = sim.received(ESME);
  expect(received.map((m) => m.payload)).toEqual(down);
  expect(received.every((m) => !m.duplicate)).toBe(true);
  expect(sim.outcomes(ESME).map((o) => [o.delivered, o.payload])).toEqual(up.map((p) => [true, p]));
  expect(heard.map((m) => m.payload)).toEqual(up);
  expect(heard.every((m) => m.eui64 === ESME && m.clusterId === ADDRESS.clusterId)).toBe(true);
  const { line } = sim.status();
  // The faults really were on: both directions spoiled (and, where asked, lost) bytes during the run.
  for (const direction of [line.toHost, line.toNcp]) {
    expect(direction.corrupted).toBeGreaterThan(0);
    if (faults.dropOneIn > 0) expect(direction.dropped).toBeGreaterThan(0);
  }
}

describe('fragmented messages between the hub and a device', () => {
  it('carries 1,500-octet messages both ways over an in-memory line with faults', async () => {
    const [host, ncp] = memoryTransportPair('fragments');
    await bothWays({ host, ncp }, NOISE);
  }, 60_000);

  it('does the same in EZSP 14 (two-octet message tags, the sender’s EUI-64 in every incoming frame)', async () => {
    const [host, ncp] = memoryTransportPair('fragments');
    await bothWays({ host, ncp }, NOISE, 14);
  }, 60_000);

  it('carries 1,500-octet messages both ways over a pty pair with faults', async () => {
    const pair = await usePtyPair();
    await bothWays({ host: new SerialTransport({ path: pair.a, baudRate: 115200 }), ncp: new SerialTransport({ path: pair.b, baudRate: 115200 }) }, PTY_NOISE);
  }, 60_000);

  it('sends short messages in one frame and mixes them in order with long ones', async () => {
    const [host, ncp] = memoryTransportPair('fragments');
    const { sim, radio } = await commissioned({ host, ncp });
    const payloads = [Buffer.alloc(73, 1), long('M', 0), Buffer.alloc(74, 2), Buffer.from('short')];
    expect(await Promise.all(payloads.map((p) => radio.send(ESME, ADDRESS, p)))).toEqual(payloads.map(() => ({ delivered: true })));
    expect(sim.received(ESME).map((m) => m.payload)).toEqual(payloads);
  });

  it('gets long messages through both ways when the NCP resets in the middle of them', async () => {
    const [host, ncp] = memoryTransportPair('fragments');
    const { sim, radio, heard } = await commissioned({ host, ncp });
    const down = long('R', 0);
    const up = long('U', 0);
    // A dozen EZSP frames from now: some blocks of each message are through, the rest are not.
    sim.setFaults({ resetAfterFrames: 12 });
    sim.send(ESME, [up]);
    expect(await radio.send(ESME, ADDRESS, down)).toEqual({ delivered: true });
    await eventually(() => sim.outcomes(ESME).length === 1, () => 'the device did not settle its message');
    expect(sim.status().resets).toBe(1);
    expect(sim.received(ESME).filter((m) => !m.duplicate).map((m) => m.payload)).toEqual([down]);
    expect(sim.outcomes(ESME)).toMatchObject([{ delivered: true, payload: up }]);
    expect(heard.map((m) => m.payload)).toEqual([up]);
  });

  it('reports a long message undelivered, naming the block, when the device does not acknowledge it', async () => {
    const [host, ncp] = memoryTransportPair('fragments');
    // The GSME sleeps for its whole wake interval; the NCP holds its blocks only 200 ms.
    const { sim, radio } = await commissioned({ host, ncp }, { indirectTimeoutMs: 200 });
    const outcome = await radio.send(GSME, ADDRESS, long('X', 0));
    expect(outcome).toMatchObject({ delivered: false, reason: 'NO_ACK', detail: expect.stringMatching(/^block 1 of 22 not acknowledged/) });
    expect(sim.received(GSME)).toEqual([]);
  });

  it('reports a long message from a device that never became whole, and passes nothing of it up', async () => {
    const [host, ncp] = memoryTransportPair('fragments');
    const { sim, radio, heard } = await commissioned({ host, ncp }, { reassemblyTimeoutMs: 300 });
    const incomplete = new Promise<RadioEvents['messageIncomplete'][0]>((resolve) => radio.once('messageIncomplete', resolve));
    // The device drops off the network as soon as the hub hears its first block.
    const device = sim.device(ESME);
    radio.host.once('incomingMessageHandler', () => device.left());
    sim.send(ESME, [long('Y', 0)]);
    const report = await incomplete;
    expect(report).toMatchObject({ eui64: ESME, total: 22, reason: 'not whole within 300 ms' });
    expect(report.received).toBeGreaterThan(0);
    expect(report.received).toBeLessThan(22);
    await eventually(() => sim.outcomes(ESME).length === 1, () => 'the device did not settle its message');
    expect(sim.outcomes(ESME)[0]).toMatchObject({ delivered: false, reason: 'NOT_JOINED' });
    expect(heard).toEqual([]);
  });
});
