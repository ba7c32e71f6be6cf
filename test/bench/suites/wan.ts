import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
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
import { DEFAULT_TOPIC_PREFIX, hubTopics, TOPIC_LEAVES, USER_PROPERTY } from '../../../src/wan/topics.js';
import { CHF_STATES } from '../../conformance/chf-seeds.js';
import { buildCommand, ConformanceHub, RTDS_IDENTITY } from '../../conformance/harness.js';
import { sampleCommand } from '../../gbcs/sample.js';
import { rtdsPresent } from '../../helpers/rtds.js';
import { TempStore } from '../../src/chf/helpers.js';
import { esmeRig } from '../../src/wan/esme-rig.js';
import { Subscriber } from '../../src/wan/subscriber.js';
import { mosquittoMissing, startTestBroker, type TestBroker } from '../../src/wan/test-broker.js';
import { ALTERNATION, alternate, costRatio, percentile, rateRatio, round, RUNS, type BenchResult, type BenchSuite } from '../result.js';

/**
 * The WAN link: how fast the outbox takes upstream messages (each synced to disk) and drains them
 * at QoS 1 to a mosquitto the bench starts on a free port (its configuration in every row's note), and how long a command takes from the head end's PUBLISH to the
 * response arriving back, through the real serial path to the simulated ESME, split into the hub's
 * own share, the radio path's (EZSP/ASH, the pty, the simulated NCP and ESME) and the time a real
 * 115200-baud UART would take for the bytes that crossed the line.
 */
const APPENDS = 100;
const BURST = 2000;
const DRAIN = 4000;
const DRAIN_RUNS = 7;
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
    const bursts = await alternate({
      burst: async () => {
        const start = performance.now();
        await Promise.all(Array.from({ length: BURST }, () => outbox.append('alert', ALERT)));
        return { rate: rate(BURST, performance.now() - start) };
      },
    });
    yield { metric: 'outbox append, burst (group commit)', value: bursts.burst.rate, unit: 'msg/s', note: `${BURST} appends issued at once; each resolves only once synced; the median of ${RUNS} runs` };
    await outbox.close();
  } finally {
    await temp.dispose();
  }
}

const BENCH_HUB = '00DB1234567890A0';
const ALERT_TOPIC = hubTopics(DEFAULT_TOPIC_PREFIX, BENCH_HUB).alert;
/** What the hub puts on every alert it publishes over MQTT 5: the peer publishes the same. */
const ALERT_PROPERTIES = { contentType: TOPIC_LEAVES.alert.contentType, userProperties: { [USER_PROPERTY.kind]: 'alert' } };

const cpuMsSince = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

/** The hub's link: from start() (connecting) until every queued alert has its PUBACK and is deleted. */
async function hubDrain(url: string): Promise<{ rate: number; perCpuSecond: number }> {
  const temp = await TempStore.create();
  try {
    const clock = new SystemClock();
    const outbox = await Outbox.open(temp.store, { clock, quota: { maxMessages: DRAIN } });
    await Promise.all(Array.from({ length: DRAIN }, () => outbox.append('alert', ALERT)));
    const link = new WanLink({ settings: { broker: url, clientId: `bench-${randomBytes(4).toString('hex')}` }, hub: BENCH_HUB, outbox, clock });
    const drained = new Promise<void>((resolve) => link.on('delivered', () => outbox.depth === 0 && resolve()));
    const cpu = process.cpuUsage();
    const start = performance.now();
    await link.start();
    await drained;
    const ours = rate(DRAIN, performance.now() - start);
    const perCpuSecond = rate(DRAIN, cpuMsSince(cpu));
    await link.stop();
    await outbox.close();
    return { rate: ours, perCpuSecond };
  } finally {
    await temp.dispose();
  }
}

/** Plain mqtt.js: from connectAsync() until the last of the same alerts (same topic, same properties) has its PUBACK, 64 in flight. */
async function mqttJsDrain(url: string): Promise<{ rate: number; perCpuSecond: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `bench-peer-${randomBytes(4).toString('hex')}`, reconnectPeriod: 0 });
  const window: Array<Promise<unknown>> = [];
  for (let i = 0; i < DRAIN; i++) {
    window.push(client.publishAsync(ALERT_TOPIC, ALERT, { qos: 1, properties: ALERT_PROPERTIES }));
    if (window.length >= 64) await window.shift();
  }
  await Promise.all(window);
  const peer = rate(DRAIN, performance.now() - start);
  const perCpuSecond = rate(DRAIN, cpuMsSince(cpu));
  await client.endAsync();
  return { rate: peer, perCpuSecond };
}

async function* drain(broker: TestBroker): AsyncIterable<BenchResult> {
  const sides = { ours: () => hubDrain(broker.url), peer: () => mqttJsDrain(broker.url) };
  await sides.ours();
  await sides.peer();
  const measured = await alternate(sides, DRAIN_RUNS);
  yield {
    metric: 'outbox drain to the broker (QoS 1, PUBACK deletes)', value: measured.ours.rate, unit: 'msg/s', peer: 'mqtt.js QoS 1, no outbox', peer_value: measured.peer.rate, ratio: rateRatio(measured.ours.rate, measured.peer.rate),
    span: `${DRAIN} ${ALERT.length}-byte alerts at QoS 1 on the same topic with the same MQTT 5 properties (content type, gbcs-kind), 64 in flight, from the connect call to the last PUBACK on both sides; the hub's span also holds its subscribe, its retained online state and its outbox bookkeeping (each alert deleted on its PUBACK, unsynced: the next synced write or a sync within 1 s carries the deletes)`,
    caching: "none: a new connection and client id each run on both sides; the hub's alerts are already in its outbox (filled, synced, before timing), mqtt.js publishes the same bytes from memory",
    note: `one warm-up run per side, then ${DRAIN_RUNS} runs per side alternated, the median kept; MQTT 5 both; ${broker.configuration}`,
  };
  yield {
    metric: 'outbox drain per CPU-second (QoS 1, PUBACK deletes)', value: measured.ours.perCpuSecond, unit: 'msg/CPU-s', peer: 'mqtt.js QoS 1, no outbox', peer_value: measured.peer.perCpuSecond, ratio: rateRatio(measured.ours.perCpuSecond, measured.peer.perCpuSecond),
    span: "the same runs as the row above, counted in the CPU time (user + system, every thread: LevelDB's too) of the bench's process, which holds either side but not the broker; CPU time, unlike wall time, hardly moves with what else the machine runs",
    caching: 'as the row above',
    note: `one warm-up run per side, then ${DRAIN_RUNS} runs per side alternated, the median kept`,
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
    // Tails swing by several times between reruns on a shared machine: p99 is told in the note, not a row.
    const tail = (values: number[]) => `p99 ${ms(values, 99)} ms (a tail: not stable between runs)`;
    const note = `${ROUND_TRIPS} commands for the ESME after ${WARM_UP} unmeasured, head end PUBLISH to response received, over a pty to the simulated NCP; ${kind}`;
    yield { metric: 'command round trip p50', value: ms(of('total'), 50), unit: 'ms', note: `${note}; ${tail(of('total'))}` };
    const legs: Array<[string, number[], string]> = [
      ["  hub's own share p50", hubShare, 'router and relay hand-off down; decode, outbox synced append up'],
      ['  radio path via simulator p50', radio, 'tunnel, EZSP/ASH host, pty, simulated NCP and ESME, both ways'],
      [`  UART at ${BAUD} baud p50`, of('uart'), 'computed from the bytes that crossed the line both ways, added up (an upper bound: a UART is full duplex); a pty has no baud rate'],
      ['  broker, command to the hub p50', of('brokerIn'), "head end's PUBLISH until the hub's link has it"],
      ['  broker, response to the head end p50', of('brokerOut'), 'the response durable in the outbox until the head end has it'],
    ];
    for (const [metric, values, what] of legs) yield { metric, value: ms(values, 50), unit: 'ms', note: `${what}; ${tail(values)}` };
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
 * PUBLISH to the last response at the head end. Beside it, the same burst handed straight to the
 * router (the gbcs suite's burst rate: counters group-committed, responses sealed, no MQTT, no
 * outbox): the ratio is what the WAN and the PUBACK guarantee cost.
 */
async function* commandBurst(url: string, kind: string): AsyncIterable<BenchResult> {
  if (!rtdsPresent) return;
  const harness = await ConformanceHub.open({ seed: CHF_STATES['CCS06_SUCCESS']!.seed });
  const config = { ...structuredClone(DEFAULT_CONFIG), store: { path: harness.dir }, wan: { ...DEFAULT_CONFIG.wan, clientId: `bench-hub-${randomBytes(4).toString('hex')}`, topicPrefix: `bench${randomBytes(4).toString('hex')}` } };
  const wan = (await startHubWan({ config, store: harness.store, clock: new SystemClock(), logger: silentLogger, hub: RTDS_IDENTITY.chf, security: harness.hub.chf.securityLog, broker: url, embedded: false }))!;
  const head = await HeadEnd.start(url, wan.link.topics.command, wan.link.topics.response);
  try {
    wan.attach(harness.hub.router);
    let counter = 10_000n;
    const burst = () => Promise.all(Array.from({ length: COMMAND_BURST }, () => buildCommand(harness, { messageCode: 0x010f, payload: CCS06_PAYLOAD, counter: counter++ })));
    const sides = {
      mqtt: async () => {
        const commands = await burst();
        const cpu = process.cpuUsage();
        const ms = await head.burst(commands);
        return { rate: rate(COMMAND_BURST, ms), perCpuSecond: rate(COMMAND_BURST, cpuMsSince(cpu)) };
      },
      router: async () => {
        const commands = await burst();
        const cpu = process.cpuUsage();
        const start = performance.now();
        const outcomes = await Promise.all(commands.map((bytes) => harness.hub.router.process(bytes)));
        const ms = performance.now() - start;
        const used = cpuMsSince(cpu);
        if (outcomes.some((outcome) => outcome.kind !== 'answered')) throw new Error('wan bench: a command of the router burst was not answered');
        return { rate: rate(COMMAND_BURST, ms), perCpuSecond: rate(COMMAND_BURST, used) };
      },
    };
    await sides.mqtt();
    await sides.router();
    const measured = await alternate(sides);
    yield {
      metric: 'commands through MQTT, PUBACK once durable', value: measured.mqtt.rate, unit: 'cmd/s', baseline: 'the same burst through HubRouter.process, no MQTT', baseline_value: measured.router.rate, ratio: rateRatio(measured.mqtt.rate, measured.router.rate),
      span: `${COMMAND_BURST} CCS06 reads issued at once. Ours: from the head end's first QoS 1 PUBLISH, through the broker and the hub, to the last response at the head end (an mqtt.js client in a process of its own, test/bench/head-end-child.ts); each command PUBACKed only once its counter is synced and its response is in the outbox (synced), at most 64 unacknowledged. Baseline: the same commands handed to the hub's router at once, in the bench's process, until every outcome (counters group-committed and synced, responses sealed; no outbox, no MQTT)`,
      caching: 'the same hub, store and keys for both (ECDH secrets cached, broker session up); each run sends new commands with fresh counters',
      note: `one warm-up burst per side, then ${ALTERNATION}; goal ratio >= 0.5; ${kind}`,
    };
    yield {
      metric: "commands through MQTT per CPU-second of the hub's process", value: measured.mqtt.perCpuSecond, unit: 'cmd/CPU-s', baseline: 'the same burst through HubRouter.process, no MQTT', baseline_value: measured.router.perCpuSecond, ratio: rateRatio(measured.mqtt.perCpuSecond, measured.router.perCpuSecond),
      span: "the same bursts as the row above, counted in the CPU time (user + system, every thread) of the bench's process, which holds the hub and not the head end or the broker: what the WAN link, the outbox and the PUBACK guarantee cost the hub per command. CPU time, unlike wall time, hardly moves with what else the machine runs",
      caching: 'as the row above',
      note: `${ALTERNATION}; ${kind}`,
    };
  } finally {
    await head.close();
    await wan.stop();
    await harness.close();
  }
}

/** The head end's process (head-end-child.ts): one burst at a time, its time from first PUBLISH to last response. */
class HeadEnd {
  private constructor(
    private readonly child: ChildProcess,
    private readonly lines: AsyncIterator<string>,
  ) {}

  static async start(url: string, commandTopic: string, responseTopic: string): Promise<HeadEnd> {
    const script = fileURLToPath(new URL('../head-end-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, url, commandTopic, responseTopic], { stdio: ['pipe', 'pipe', 'inherit'] });
    const head = new HeadEnd(child, createInterface({ input: child.stdout! })[Symbol.asyncIterator]());
    await head.next();
    return head;
  }

  async burst(commands: Buffer[]): Promise<number> {
    this.child.stdin!.write(`${commands.map((bytes) => bytes.toString('hex')).join(',')}\n`);
    return Number(await this.next());
  }

  async close(): Promise<void> {
    this.child.stdin!.end();
    if (this.child.exitCode === null) await once(this.child, 'exit');
  }

  private async next(): Promise<string> {
    const line = await this.lines.next();
    if (line.done) throw new Error('wan bench: the head end process ended');
    return line.value;
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
