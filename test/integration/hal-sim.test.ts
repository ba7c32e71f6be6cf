import { once } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { AshEndpoint } from '../../hal/ash/index.js';
import { SystemClock } from '../../hal/clock.js';
import { EzspRadio } from '../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../hal/install-code.js';
import type { ApsAddress, DeliveryOutcome, IncomingMessage } from '../../hal/radio.js';
import { SerialTransport } from '../../hal/transport/serial.js';
import { TcpTransport } from '../../hal/transport/tcp.js';
import type { Transport } from '../../hal/transport/transport.js';
import { startSimProcess, type SimProcess } from '../../src/sim-process.js';
import { usePtyPair } from '../helpers/pty.js';

/**
 * Acceptance of the HAL: the EZSP Radio (EzspRadio over the host AshEndpoint over a real Transport)
 * against `hub sim` in its own process, over a socat pty pair and over TCP. After the version
 * handshake, forming, and install-code joining (the ESME admitted, a device with a wrong install code
 * refused), 1,000 APS messages go each way while the simulator corrupts 1 byte in 200 and drops 1 in
 * 500 in both directions and resets the NCP once mid-run.
 *
 * Duplicates hub → device. The NCP gives every sendUnicast a new APS counter (EZSP's sendUnicast
 * answers with the counter the stack chose; the host cannot pick it), so when the reset swallows a
 * delivery report and the Radio sends that message again, ZigBee's APS duplicate rejection cannot
 * see the repeat. What stops it on a GB device is end to end: every GBCS message carries its
 * originator's counter and the device refuses one it has already accepted. The simulated device
 * models that check on the message bytes (no two GBCS messages are byte-identical, since each has a
 * fresh counter) and flags the repeat `duplicate` instead of accepting it. So this test asserts that
 * the device ACCEPTED every message exactly once and in order, and that what it refused was a copy of
 * the message in flight at the reset and nothing else. Device → hub, the device resends with its own
 * APS counter unchanged, and the Radio's APS duplicate rejection drops repeats.
 */

const MESSAGES = 1000;
const ESME = '00DB1234567890A0';
const INTRUDER = '00DB1234567890AF';
const ADDRESS: ApsAddress = { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1 };
const NOISE = { corruptOneIn: 200, dropOneIn: 500 };
/** Bounds on waits for events that must come; the test fails with what had happened by then. */
const TRAFFIC_LIMIT_MS = 45_000;
const RECOVERY_LIMIT_MS = 15_000;
/** How long a send waits for the NCP to come back: ample for the mid-run reset, short for the last check. */
const NETWORK_WAIT_MS = 6000;

interface DeviceMessage {
  payload: string;
  duplicate: boolean;
}
interface LineCounts {
  bytes: number;
  corrupted: number;
  dropped: number;
}
interface SimStatus {
  resets: number;
  line: { toHost: LineCounts; toNcp: LineCounts };
}

function numbered(prefix: string, i: number): Buffer {
  const index = Buffer.alloc(4);
  index.writeUInt32BE(i);
  return Buffer.concat([Buffer.from(prefix), index]);
}

const expected = (prefix: string) => Array.from({ length: MESSAGES }, (_, i) => numbered(prefix, i).toString('hex'));

/** `promise`, or a failure saying what was still missing after `ms`. */
function within<T>(promise: Promise<T>, ms: number, missing: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms: ${missing()}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** `hub sim` in a child process, stopped when the test ends (pass or fail); its last log lines kept for failures. */
async function useSim(args: string[]): Promise<SimProcess & { log: () => string }> {
  let log = '';
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, done) {
      log = (log + chunk.toString()).slice(-3000);
      done();
    },
  });
  const sim = await startSimProcess({ args: ['--seed', '7', ...args], stderr });
  onTestFinished(() => sim.stop());
  return { ...sim, log: () => log };
}

interface Hub {
  radio: EzspRadio;
  link: AshEndpoint;
}

function useHub(transport: Transport): Hub {
  const clock = new SystemClock();
  const link = new AshEndpoint({ role: 'host', transport, clock });
  const radio = new EzspRadio({ link, clock, reconnectDelayMs: 100, networkWaitMs: NETWORK_WAIT_MS });
  onTestFinished(() => radio.stop());
  return { radio, link };
}

async function receivedBy(sim: SimProcess, eui64: string): Promise<DeviceMessage[]> {
  const all: DeviceMessage[] = [];
  for (;;) {
    const { messages } = await sim.request<{ messages: DeviceMessage[] }>('received', { eui64, since: all.length });
    if (messages.length === 0) return all;
    all.push(...messages);
  }
}

/** Version, a new network, and joining: the ESME with its install code in, the intruder (wrong code) refused. */
async function commission(radio: EzspRadio, sim: SimProcess): Promise<void> {
  expect(await radio.start()).toBeNull(); // a fresh NCP has no network to resume
  expect(radio.host.version).toBe(13);
  expect(await radio.formNetwork({ channel: 15, panId: 0x2b2b })).toMatchObject({ channel: 15, panId: 0x2b2b });
  const devices = await sim.devices();
  const key = (eui64: string) => linkKeyFromInstallCode(devices.find((d) => d.eui64 === eui64)!.installCode);
  await radio.permitJoining([ESME, INTRUDER].map((eui64) => ({ eui64, linkKey: key(eui64) })), 120);

  const joined = once(radio, 'deviceJoined');
  expect(await sim.request('join', { eui64: ESME })).toMatchObject({ outcome: { joined: true } });
  expect((await joined)[0].eui64).toBe(ESME);
  const refused = new Promise<string>((resolve) => radio.on('joinRefused', (r) => r.eui64 === INTRUDER && resolve(r.reason)));
  expect(await sim.request('join', { eui64: INTRUDER })).toMatchObject({ outcome: { joined: false, reason: 'WRONG_KEY' } });
  expect(await refused).toMatch(/key establishment failed/);
}

interface Traffic {
  outcomes: DeliveryOutcome[];
  heard: IncomingMessage[];
  hubToDeviceMs: number;
  deviceToHubMs: number;
}

/** 1,000 messages each way at once on a noisy line; the NCP resets once when half the hub's have settled. */
async function exchange(radio: EzspRadio, sim: SimProcess): Promise<Traffic> {
  await sim.request('fault', NOISE);
  const heard: IncomingMessage[] = [];
  const started = performance.now();
  let deviceToHubMs = 0;
  const allHeard = new Promise<void>((resolve) =>
    radio.on('message', (message) => {
      if (heard.push(message) < MESSAGES) return;
      deviceToHubMs = performance.now() - started;
      resolve();
    }),
  );
  await sim.request('send', { from: ESME, payload: Buffer.from('d2h').toString('hex'), count: MESSAGES, numbered: true });
  let settled = 0;
  let reset: Promise<unknown> = Promise.resolve();
  const sends = Array.from({ length: MESSAGES }, (_, i) =>
    radio.send(ESME, ADDRESS, numbered('h2d', i)).then((outcome) => {
      // The NCP resets right after the next EZSP frame it handles: mid-run, with a message in flight.
      if (++settled === MESSAGES / 2) reset = sim.request('fault', { resetAfterFrames: 1 });
      return outcome;
    }),
  );
  const outcomes = await within(Promise.all(sends), TRAFFIC_LIMIT_MS, () => `${settled}/${MESSAGES} hub → device sends settled`);
  const hubToDeviceMs = performance.now() - started;
  await reset;
  await within(allHeard, TRAFFIC_LIMIT_MS, () => `${heard.length}/${MESSAGES} device → hub messages heard`);
  return { outcomes, heard, hubToDeviceMs, deviceToHubMs };
}

async function report(transport: string, { radio, link }: Hub, sim: SimProcess, traffic: Traffic, refused: number): Promise<void> {
  const { status } = await sim.request<{ status: SimStatus }>('status');
  const rate = (ms: number) => Math.round((MESSAGES * 1000) / ms);
  console.log(
    `[hal-sim ${transport}] hub→device ${rate(traffic.hubToDeviceMs)} msg/s, device→hub ${rate(traffic.deviceToHubMs)} msg/s; ` +
      `NCP resets ${status.resets}, host recoveries ${radio.host.counters.recoveries}, repeats refused by the device ${refused}; ` +
      `line to NCP ${status.line.toNcp.bytes} B (${status.line.toNcp.corrupted} corrupted, ${status.line.toNcp.dropped} dropped), ` +
      `to host ${status.line.toHost.bytes} B (${status.line.toHost.corrupted} corrupted, ${status.line.toHost.dropped} dropped); ` +
      `host ASH ${JSON.stringify(link.counters)}`,
  );
}

/** Everything arrived once, in order, each way; what the device refused was only the message the reset caught. */
async function checkTraffic(radio: EzspRadio, sim: SimProcess, traffic: Traffic): Promise<number> {
  expect(radio.host.counters.recoveries).toBe(1);
  expect(traffic.outcomes.filter((o) => !o.delivered)).toEqual([]);
  const atDevice = await receivedBy(sim, ESME);
  expect(atDevice.filter((m) => !m.duplicate).map((m) => m.payload)).toEqual(expected('h2d'));
  const refused = atDevice.filter((m) => m.duplicate);
  expect(refused.length).toBeLessThanOrEqual(1); // the Radio has one message per device on the air
  for (const repeat of refused) expect(expected('h2d')).toContain(repeat.payload);

  expect(traffic.heard.map((m) => m.payload.toString('hex'))).toEqual(expected('d2h'));
  expect(traffic.heard.every((m) => m.eui64 === ESME && m.clusterId === ADDRESS.clusterId)).toBe(true);
  const { outcomes, pending } = await sim.request<{ outcomes: Array<{ delivered: boolean }>; pending: number }>('outcomes', { eui64: ESME });
  expect([outcomes.filter((o) => o.delivered).length, pending]).toEqual([MESSAGES, 0]);
  return refused.length;
}

/** A message that cannot be delivered is reported to its sender with a reason, both ways. */
async function checkUndeliverable(radio: EzspRadio, sim: SimProcess): Promise<void> {
  await sim.request('fault', { corruptOneIn: 0, dropOneIn: 0 });
  await radio.removeDevice(ESME);
  expect(await radio.send(ESME, ADDRESS, Buffer.from('gone'))).toMatchObject({ delivered: false, reason: 'NOT_JOINED' });
  const before = (await sim.request<{ outcomes: unknown[] }>('outcomes', { eui64: ESME })).outcomes.length;
  await sim.request('send', { from: ESME, payload: Buffer.from('gone').toString('hex') });
  const { outcomes } = await sim.request<{ outcomes: Array<{ delivered: boolean; reason?: string }> }>('outcomes', { eui64: ESME, since: before });
  expect(outcomes).toMatchObject([{ delivered: false, reason: 'NOT_JOINED' }]);
}

/**
 * The NCP stops answering (it reports a failure, then never hears the host's RST): a send waits
 * NETWORK_WAIT_MS for it and is then reported NETWORK_DOWN. Once the line works again the Radio
 * recovers by itself and sends again.
 */
async function checkNcpKeptDown(radio: EzspRadio, sim: SimProcess): Promise<void> {
  await sim.request('fault', { corruptOneIn: 0, dropOneIn: 1, directions: ['toNcp'] });
  const down = once(radio, 'networkDown');
  await sim.request('resetNcp', { announce: 'error' });
  await within(down, RECOVERY_LIMIT_MS, () => 'the Radio never reported the network down');
  expect(await radio.send(ESME, ADDRESS, Buffer.from('late'))).toMatchObject({ delivered: false, reason: 'NETWORK_DOWN' });
  const up = once(radio, 'networkUp');
  await sim.request('fault', { dropOneIn: 0, directions: ['toHost', 'toNcp'] });
  await within(up, RECOVERY_LIMIT_MS, () => 'the Radio did not recover once the line worked again');
  expect(await radio.send(ESME, ADDRESS, Buffer.from('back'))).toEqual({ delivered: true });
}

async function acceptance(name: string, transport: Transport, sim: SimProcess & { log: () => string }, ncpKeptDown = false): Promise<void> {
  const hub = useHub(transport);
  const { radio } = hub;
  try {
    await commission(radio, sim);
    const traffic = await exchange(radio, sim);
    const refused = await checkTraffic(radio, sim, traffic);
    await report(name, hub, sim, traffic, refused);
    if (ncpKeptDown) await checkNcpKeptDown(radio, sim);
    await checkUndeliverable(radio, sim);
  } catch (error) {
    (error as Error).message += `\n--- hub sim log (last lines) ---\n${sim.log()}`;
    throw error;
  }
}

describe('EZSP Radio against hub sim in its own process, on a noisy line with an NCP reset', () => {
  it('over a real pty pair', async () => {
    const pair = await usePtyPair();
    const sim = await useSim(['--serial', pair.b]);
    // Raw framing hands the link bytes as read, so it can see a frame whose Flag the noise took.
    await acceptance('pty', new SerialTransport({ path: pair.a, baudRate: 115200, framing: 'raw' }), sim);
  }, 60_000);

  it('over TCP, and a send reported NETWORK_DOWN while the NCP stays unreachable past the wait', async () => {
    const sim = await useSim(['--listen', 'tcp://127.0.0.1:0']);
    const [, host, port] = /^tcp:\/\/(.+):(\d+)$/.exec(sim.radio)!;
    await acceptance('tcp', TcpTransport.client({ host: host!, port: Number(port), clock: new SystemClock() }), sim, true);
  }, 60_000);
});
