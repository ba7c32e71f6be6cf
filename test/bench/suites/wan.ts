import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { SystemClock } from '../../../hal/clock.js';
import { encodeMessage } from '../../../src/gbcs/index.js';
import { Outbox } from '../../../src/wan/outbox.js';
import { WanLink } from '../../../src/wan/wan-link.js';
import { silentLogger } from '../../../hal/log.js';
import { DEFAULT_CONFIG } from '../../../src/config.js';
import { startHubWan } from '../../../src/hub/hub-wan.js';
import { CHF_STATES } from '../../conformance/chf-seeds.js';
import { buildCommand, ConformanceHub, RTDS_IDENTITY } from '../../conformance/harness.js';
import { sampleCommand } from '../../gbcs/sample.js';
import { rtdsPresent } from '../../helpers/rtds.js';
import { TempStore } from '../../src/chf/helpers.js';
import { esmeRig } from '../../src/wan/esme-rig.js';
import { Subscriber } from '../../src/wan/subscriber.js';
import { mosquittoMissing, startTestBroker, type TestBroker } from '../../src/wan/test-broker.js';
import { ALTERNATION, alternate, costRatio, percentile, rateRatio, round, type BenchResult, type BenchSuite } from '../result.js';

/**
 * The WAN link: how fast the outbox takes upstream messages (each synced to disk) and drains them
 * at QoS 1 to a mosquitto the bench starts on a free port (its configuration in every row's note), and how long a command takes from the head end's PUBLISH to the
 * response arriving back, through the real serial path to the simulated ESME, split into the hub's
 * own share, the radio path's (EZSP/ASH, the pty, the simulated NCP and ESME) and the time a real
 * 115200-baud UART would take for the bytes that crossed the line.
 */
const APPENDS = 100;
const BURST = 2000;
const DRAIN = 2000;
const ROUND_TRIPS = 200;
const WARM_UP = 10;
const BAUD = 115_200;
const ALERT = Buffer.alloc(120, 0x5a);

const rate = (count: number, ms: number) => round((count / ms) * 1000, 0);

/** A mosquitto of the bench's own on a free port, configured as its notes say: never whatever runs on 1883. */
async function benchBroker(): Promise<TestBroker> {
  const missing = mosquittoMissing();
  if (missing) throw new Error(`wan bench: ${missing}`);
  return startTestBroker();
}

async function* appends(): AsyncIterable<BenchResult> {
  const temp = await TempStore.create();
  try {
    const outbox = await Outbox.open(temp.store, { clock: new SystemClock(), quota: { maxMessages: 1_000_000, maxBytes: 2 ** 31 } });
    for (let i = 0; i < 20; i++) await outbox.append('alert', ALERT);
    const file = await open(join(temp.dir, 'floor.log'), 'a');
    const record = Buffer.from(JSON.stringify({ kind: 'alert', payload: ALERT.toString('base64'), queuedAt: Date.now() }));
    const measured = await alternate({
      ours: async () => {
        const start = performance.now();
        for (let i = 0; i < APPENDS; i++) await outbox.append('alert', ALERT);
        return { rate: rate(APPENDS, performance.now() - start) };
      },
      floor: async () => {
        const start = performance.now();
        for (let i = 0; i < APPENDS; i++) {
          await file.write(record);
          await file.datasync();
        }
        return { rate: rate(APPENDS, performance.now() - start) };
      },
    });
    await file.close();
    yield {
      metric: 'outbox append, one at a time (synced)', value: measured.ours.rate, unit: 'msg/s', baseline: 'fs append+fdatasync of the record', baseline_value: measured.floor.rate, ratio: rateRatio(measured.ours.rate, measured.floor.rate),
      span: `${APPENDS} awaited appends of a ${ALERT.length}-byte alert: ours sealed and synced through the Store, the baseline the same JSON record written and fdatasync'd to a file`,
      caching: 'nothing to cache: every append is on disk and synced before it resolves, on both sides', note: `${APPENDS} appends per run, ${ALTERNATION}`,
    };
    const start = performance.now();
    await Promise.all(Array.from({ length: BURST }, () => outbox.append('alert', ALERT)));
    yield { metric: 'outbox append, burst (group commit)', value: rate(BURST, performance.now() - start), unit: 'msg/s', note: `${BURST} appends issued at once; each resolves only once synced` };
    await outbox.close();
  } finally {
    await temp.dispose();
  }
}

/** The hub's link: from start() (connecting) until every queued alert has its PUBACK and is deleted. */
async function hubDrain(url: string): Promise<{ rate: number }> {
  const temp = await TempStore.create();
  try {
    const clock = new SystemClock();
    const outbox = await Outbox.open(temp.store, { clock });
    await Promise.all(Array.from({ length: DRAIN }, () => outbox.append('alert', ALERT)));
    const link = new WanLink({ settings: { broker: url, clientId: `bench-${randomBytes(4).toString('hex')}` }, hub: '00DB1234567890A0', outbox, clock });
    const drained = new Promise<void>((resolve) => link.on('delivered', () => outbox.depth === 0 && resolve()));
    const start = performance.now();
    await link.start();
    await drained;
    const ours = rate(DRAIN, performance.now() - start);
    await link.stop();
    await outbox.close();
    return { rate: ours };
  } finally {
    await temp.dispose();
  }
}

/** Plain mqtt.js: from connectAsync() until the last of the same alerts has its PUBACK, 64 in flight. */
async function mqttJsDrain(url: string): Promise<{ rate: number }> {
  const start = performance.now();
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `bench-peer-${randomBytes(4).toString('hex')}`, reconnectPeriod: 0 });
  const window: Array<Promise<unknown>> = [];
  for (let i = 0; i < DRAIN; i++) {
    window.push(client.publishAsync('bench/peer/alert', ALERT, { qos: 1 }));
    if (window.length >= 64) await window.shift();
  }
  await Promise.all(window);
  const peer = rate(DRAIN, performance.now() - start);
  await client.endAsync();
  return { rate: peer };
}

async function* drain(broker: TestBroker): AsyncIterable<BenchResult> {
  const measured = await alternate({ ours: () => hubDrain(broker.url), peer: () => mqttJsDrain(broker.url) });
  yield {
    metric: 'outbox drain to the broker (QoS 1, PUBACK deletes)', value: measured.ours.rate, unit: 'msg/s', peer: 'mqtt.js QoS 1, no outbox', peer_value: measured.peer.rate, ratio: rateRatio(measured.ours.rate, measured.peer.rate),
    span: `${DRAIN} ${ALERT.length}-byte alerts at QoS 1, 64 in flight, from the connect call to the last PUBACK on both sides; the hub's span also holds its subscribe, its retained online state and its outbox bookkeeping (the deletes of acknowledged alerts go on in the background)`,
    caching: 'none: a new connection and client id each run on both sides; the hub\'s alerts are already in its outbox (filled before timing), mqtt.js publishes the same bytes from memory',
    note: `${ALTERNATION}; MQTT 5 both; ${broker.configuration}`,
  };
}

interface Trip {
  total: number;
  brokerIn: number;
  hubDown: number;
  radioDown: number;
  radioUp: number;
  hubUp: number;
  brokerOut: number;
  uart: number;
}

async function* endToEnd(url: string, kind: string): AsyncIterable<BenchResult> {
  let relayedAt = 0;
  const hub = await esmeRig({ broker: url, relayed: () => (relayedAt = performance.now()) });
  const head = await Subscriber.connect(url, [hub.link.topics.response]);
  try {
    let lineBytes = 0;
    hub.hostSide.on('data', (chunk) => (lineBytes += chunk.length));
    const write = hub.hostSide.write.bind(hub.hostSide);
    hub.hostSide.write = (bytes: Uint8Array) => ((lineBytes += bytes.length), write(bytes));
    const stamps = { command: 0, answered: 0, appended: 0 };
    hub.link.on('command', () => (stamps.command = performance.now()));
    hub.relay.on('message', () => (stamps.answered = performance.now()));
    hub.outbox.on('appended', () => (stamps.appended = performance.now()));

    const trips: Trip[] = [];
    for (let i = 0; i < WARM_UP + ROUND_TRIPS; i++) {
      const counter = BigInt(0x9000 + i);
      const command = encodeMessage(sampleCommand({ recipient: hub.esmeEui64, originatorCounter: counter }));
      const response = encodeMessage(sampleCommand({ cra: 'response', originator: hub.esmeEui64, recipient: '90B3D51F30000002', originatorCounter: counter }));
      const seen = head.received.length;
      lineBytes = 0;
      const delivered = hub.esme.next((frame) => frame.command.kind === 'transferData');
      const t0 = performance.now();
      await head.publish(hub.link.topics.command, command, { qos: 0 });
      await delivered;
      const t2 = performance.now();
      hub.esme.send({ sequence: i & 0xff, direction: 'serverToClient', command: { kind: 'transferData', tunnelId: 0x0042, data: response } });
      await head.until((r) => r.length > seen, 10_000);
      const t6 = performance.now();
      if (i < WARM_UP) continue;
      trips.push({
        total: t6 - t0,
        brokerIn: stamps.command - t0,
        hubDown: relayedAt - stamps.command,
        radioDown: t2 - relayedAt,
        radioUp: stamps.answered - t2,
        hubUp: stamps.appended - stamps.answered,
        brokerOut: t6 - stamps.appended,
        uart: (lineBytes * 10 * 1000) / BAUD,
      });
    }
    const ms = (values: number[], p: number) => round(percentile(values, p), 3);
    const of = (key: keyof Trip) => trips.map((t) => t[key]);
    const hubShare = trips.map((t) => t.hubDown + t.hubUp);
    const radio = trips.map((t) => t.radioDown + t.radioUp);
    const note = `${ROUND_TRIPS} commands for the ESME, head end PUBLISH to response received, over a pty to the simulated NCP; ${kind}`;
    yield { metric: 'command round trip p50', value: ms(of('total'), 50), unit: 'ms', note };
    yield { metric: 'command round trip p99', value: ms(of('total'), 99), unit: 'ms', note };
    for (const p of [50, 99]) {
      yield { metric: `  hub's own share p${p}`, value: ms(hubShare, p), unit: 'ms', note: 'router and relay hand-off down; decode, outbox synced append up' };
      yield { metric: `  radio path via simulator p${p}`, value: ms(radio, p), unit: 'ms', note: 'tunnel, EZSP/ASH host, pty, simulated NCP and ESME, both ways' };
      yield { metric: `  UART at ${BAUD} baud p${p}`, value: ms(of('uart'), p), unit: 'ms', note: 'computed from the bytes that crossed the line both ways, added up (an upper bound: a UART is full duplex); a pty has no baud rate' };
      yield { metric: `  broker, command to the hub p${p}`, value: ms(of('brokerIn'), p), unit: 'ms', note: "head end's PUBLISH until the hub's link has it" };
      yield { metric: `  broker, response to the head end p${p}`, value: ms(of('brokerOut'), p), unit: 'ms', note: 'the response durable in the outbox until the head end has it' };
    }
    yield {
      metric: "hub's share of the round trip p50",
      value: ms(hubShare, 50),
      unit: 'ms',
      baseline: 'radio path via simulator',
      baseline_value: ms(radio, 50),
      ratio: costRatio(ms(hubShare, 50), ms(radio, 50)),
      span: "legs of the same round trips: the hub's (router and relay hand-off down; decode, synced outbox append up) against the radio path's (EZSP/ASH host, pty, simulated NCP and ESME, both ways)",
      caching: 'the same trips, so the same state: tunnel open, ECDH secrets cached, broker session up',
      note: 'ratio > 1: the hub spends less than the radio path',
    };
  } finally {
    await head.close();
    await hub.close();
  }
}

/** Within mosquitto's default per-client queue (max_queued_messages 1000) beside the 64 in flight. */
const COMMAND_BURST = 1000;
const CCS06_PAYLOAD = Buffer.from('d920000514000101006800001e0300ff040100', 'hex');

/**
 * Authentic CHF commands (CCS06 reads, MACed as the ACB) published at once through the broker: each
 * PUBACKed only once its counter is synced and its response is in the outbox; from the first
 * PUBLISH to the last response at the head end.
 */
async function* commandBurst(url: string, kind: string): AsyncIterable<BenchResult> {
  if (!rtdsPresent) return;
  const harness = await ConformanceHub.open({ seed: CHF_STATES['CCS06_SUCCESS']!.seed });
  const config = { ...structuredClone(DEFAULT_CONFIG), store: { path: harness.dir }, wan: { ...DEFAULT_CONFIG.wan, clientId: `bench-hub-${randomBytes(4).toString('hex')}`, topicPrefix: `bench${randomBytes(4).toString('hex')}` } };
  const wan = (await startHubWan({ config, store: harness.store, clock: new SystemClock(), logger: silentLogger, hub: RTDS_IDENTITY.chf, security: harness.hub.chf.securityLog, broker: url, embedded: false }))!;
  const head = await Subscriber.connect(url, [wan.link.topics.response]);
  try {
    wan.attach(harness.hub.router);
    const commands = await Promise.all(Array.from({ length: COMMAND_BURST }, (_, i) => buildCommand(harness, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: BigInt(10_000 + i) })));
    const start = performance.now();
    await Promise.all(commands.map((bytes) => head.publish(wan.link.topics.command, bytes, { qos: 1 })));
    await head.until((r) => r.length >= COMMAND_BURST, 120_000);
    const value = rate(COMMAND_BURST, performance.now() - start);
    yield { metric: 'commands through MQTT, PUBACK once durable', value, unit: 'cmd/s', note: `${COMMAND_BURST} CCS06 reads published at once, each acknowledged once its counter is synced and its response is in the outbox (64 unacknowledged at most); first PUBLISH to last response; ${kind}` };
  } finally {
    await head.close();
    await wan.stop();
    await harness.close();
  }
}

const suite: BenchSuite = async function* () {
  yield* appends();
  const broker = await benchBroker();
  try {
    yield* drain(broker);
    yield* commandBurst(broker.url, broker.configuration);
    yield* endToEnd(broker.url, broker.configuration);
  } finally {
    await broker.dispose();
  }
};

export default suite;
