import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { SystemClock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode, withInstallCodeCrc } from '../../../hal/install-code.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { SerialTransport } from '../../../hal/transport/serial.js';
import type { Transport } from '../../../hal/transport/transport.js';
import { DEVICE_LOG_DOMAIN, DeviceLog } from '../../../src/chf/device-log.js';
import { HanRelay } from '../../../src/han/relay.js';
import { SleepyQueue } from '../../../src/han/sleepy-queue.js';
import { GasProxyData, GPF_LOG_SIZES, HALF_HOURS_PER_DAY } from '../../../src/gpf/index.js';
import { jsonCodec, openStore, sequenceKey, type Store } from '../../../src/store/index.js';
import { SimTunnelAgent } from '../../src/han/tunnel-sim-device.js';
import { openPtyPair } from '../../helpers/socat-pty.js';
import { ALTERNATION, alternate, costRatio, percentile, round, RUNS, type BenchResult, type BenchSuite } from '../result.js';

/**
 * The hub's durable state: what an acknowledged write costs (LevelDB with sync), a cross-domain
 * batch, and a lookup. The one peer is level itself (a raw get of the same bytes); the rest are the
 * project's own baselines: an fdatasync'd file append (the floor of a durable write), ten synced
 * puts against a ten-op batch, a plain domain against a sealed one, a Device Log served from
 * memory against a read of its domain. Every compared pair runs alternately, run by run, in the
 * same process on the same disk, and each figure is the median of its runs.
 */
const PUTS = 100;
const BATCHES = 40;
const BATCH_SIZE = 10;
const GETS = 20_000;

interface Entry {
  event: number;
  at: string;
  detail: string;
}

const entry = (n: number): Entry => ({ event: 0x8000 + (n % 256), at: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(), detail: 'x'.repeat(48) });
const us = (ms: number): number => round(ms * 1000, 1);

async function timeEach(count: number, run: (i: number) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await run(i);
    samples.push(performance.now() - start);
  }
  return samples;
}

/** One run's latency percentiles, in µs. */
const latency = (samples: number[]) => ({ p50: us(percentile(samples, 50)), p99: us(percentile(samples, 99)) });
/**
 * A synced write's p99 is the disk's (and on a shared machine its neighbours') tail: it swung by
 * 22-82 % between reruns, so it is told in the note, never a row of its own.
 */
const tails = (ours: number, theirs: number) => `p99 ${ours} µs against ${theirs} µs (medians of the runs' p99; a tail, not stable between reruns)`;
const WRITES_CACHING = 'nothing to cache: every write goes to disk and is synced before it resolves, on both sides';
const RUNS_NOTE = (perRun: string) => `${perRun} per run, ${ALTERNATION}`;

/** An fdatasync'd append of the same bytes: the floor a durable write costs on this disk, as LevelDB's log does it. */
async function appendAndSync(dir: string, count: number, bytesFor: (i: number) => Buffer): Promise<number[]> {
  const file = await open(join(dir, 'append.log'), 'a');
  try {
    return await timeEach(count, async (i) => {
      await file.write(bytesFor(i));
      await file.datasync();
    });
  } finally {
    await file.close();
  }
}

/** A new key for every put of every run: the lookups below read the first thousand. */
function keys(): () => string {
  let next = 0;
  return () => sequenceKey(next++);
}

async function* durablePuts(store: Store, dir: string): AsyncIterable<BenchResult> {
  const log = await store.domain({ name: 'eventLog', codec: jsonCodec<Entry>() });
  const readings = await store.domain({ name: 'readings', codec: jsonCodec<Entry>(), personal: true });
  await timeEach(20, (i) => log.put(sequenceKey(1_000_000 + i), entry(i)));
  const [plainKey, personalKey] = [keys(), keys()];
  const measured = await alternate({
    plain: async () => latency(await timeEach(PUTS, (i) => log.put(plainKey(), entry(i)))),
    personal: async () => latency(await timeEach(PUTS, (i) => readings.put(personalKey(), entry(i)))),
    floor: async () => latency(await appendAndSync(dir, PUTS, (i) => Buffer.from(JSON.stringify(entry(i))))),
  });
  const note = RUNS_NOTE(`${PUTS} puts of ~100-byte JSON`) + `; ${tmpdir()}`;
  const [o, t] = [measured.plain.p50, measured.floor.p50];
  yield {
    metric: 'durable put latency p50', value: o, unit: 'µs', baseline: 'fs append+fdatasync of the same bytes', baseline_value: t, ratio: costRatio(o, t),
    span: 'one awaited put (sync: true) against one awaited write+fdatasync of the same JSON bytes to a file', caching: WRITES_CACHING, note: `${note}; ${tails(measured.plain.p99, measured.floor.p99)}`,
  };
  yield {
    metric: 'durable put latency p50 (personal domain)', value: measured.personal.p50, unit: 'µs', baseline: 'plain-domain durable put', baseline_value: measured.plain.p50, ratio: costRatio(measured.personal.p50, measured.plain.p50),
    span: 'one awaited put (sync: true), AES-256-GCM sealed against plain', caching: WRITES_CACHING, note,
  };
}

async function* batches(store: Store): AsyncIterable<BenchResult> {
  const log = await store.domain({ name: 'deviceLog', codec: jsonCodec<Entry>() });
  const counters = await store.domain({ name: 'counters', codec: jsonCodec<number>() });
  let base = 0;
  const batched = async () => latency(await timeEach(BATCHES, () => {
    const batch = store.batch();
    const first = (base += BATCH_SIZE);
    for (let j = 0; j < BATCH_SIZE - 1; j++) batch.put(log, sequenceKey(first + j), entry(first + j));
    return batch.put(counters, 'last', first).write();
  }));
  const oneByOne = async () => latency(await timeEach(BATCHES, async () => {
    const first = 10_000_000 + (base += BATCH_SIZE);
    for (let j = 0; j < BATCH_SIZE - 1; j++) await log.put(sequenceKey(first + j), entry(first + j));
    await counters.put('last', first);
  }));
  const measured = await alternate({ batched, oneByOne });
  const [o, t] = [measured.batched.p50, measured.oneByOne.p50];
  yield {
    metric: `durable batch(${BATCH_SIZE}) latency p50`, value: o, unit: 'µs', baseline: `the same ${BATCH_SIZE} ops as synced puts`, baseline_value: t, ratio: costRatio(o, t),
    span: `${BATCH_SIZE} ops over 2 domains: one atomic synced batch against ${BATCH_SIZE} awaited synced puts`, caching: WRITES_CACHING,
    note: `${RUNS_NOTE(`${BATCHES} batches`)}; ${tails(measured.batched.p99, measured.oneByOne.p99)}`,
  };
}

async function meanMicros(count: number, run: (i: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await run(i);
  return us((performance.now() - start) / count);
}

/**
 * Our get and a raw LevelDB get of the same bytes, alternated over reopened handles so both read the
 * same on-disk state (reopening moves the write-ahead log into tables).
 */
async function* lookups(path: string, dataKey: Buffer): AsyncIterable<BenchResult> {
  const keys = 1000;
  const viaStore = async () => {
    const store = await openStore({ path, secureElement: { dataKey: async () => dataKey } });
    const log = await store.domain({ name: 'eventLog', codec: jsonCodec<Entry>() });
    const sealed = await store.domain({ name: 'readings', codec: jsonCodec<Entry>(), personal: true });
    await meanMicros(keys, (i) => Promise.all([log.get(sequenceKey(i)), sealed.get(sequenceKey(i))]));
    const plain = await meanMicros(GETS, (i) => log.get(sequenceKey(i % keys)));
    const personal = await meanMicros(GETS, (i) => sealed.get(sequenceKey(i % keys)));
    await store.close();
    return { plain, personal };
  };
  const viaLevel = async () => {
    const raw = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
    const sub = raw.sublevel<string, Uint8Array>('eventLog', { keyEncoding: 'utf8', valueEncoding: 'view' });
    await raw.open();
    await meanMicros(keys, (i) => sub.get(sequenceKey(i)));
    const plain = await meanMicros(GETS, (i) => sub.get(sequenceKey(i % keys)));
    await raw.close();
    return { plain };
  };
  const measured = await alternate({ viaStore, viaLevel });
  const note = RUNS_NOTE(`the mean of ${GETS} gets over ${keys} existing keys`);
  const caching = `both sides open the store afresh each run and read every key once before timing: LevelDB's block cache is warm for both; neither caches values above LevelDB`;
  yield {
    metric: 'lookup (get existing key)', value: measured.viaStore.plain, unit: 'µs', peer: 'raw level get of the bytes', peer_value: measured.viaLevel.plain, ratio: costRatio(measured.viaStore.plain, measured.viaLevel.plain),
    span: 'one awaited get of an existing key: ours through the Store (LevelDB get and JSON decode), the peer a level sublevel get of the same bytes', caching, note,
  };
  yield {
    metric: 'lookup (get existing key, personal)', value: measured.viaStore.personal, unit: 'µs', baseline: 'plain-domain get', baseline_value: measured.viaStore.plain, ratio: costRatio(measured.viaStore.personal, measured.viaStore.plain),
    span: 'one awaited get of an existing key through the Store: AES-256-GCM open + JSON against JSON alone', caching, note,
  };
}

/** For scale: what a put costs when it is not synced. Not a peer: it is not durable. */
async function* unsyncedPut(path: string): AsyncIterable<BenchResult> {
  const raw = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await raw.open();
  let next = 0;
  // On the root database: LevelDB's `sync` option is not in the sublevel's put options type.
  const measured = await alternate({
    unsynced: async () => latency(await timeEach(PUTS, (i) => raw.put(`scratch/${sequenceKey(next++)}`, JSON.stringify(entry(i)), { sync: false }))),
  });
  await raw.close();
  yield {
    metric: 'unsynced put latency p50 (raw level)',
    value: measured.unsynced.p50,
    unit: 'µs',
    note: `for scale only: sync: false is lost on power cut, so the store writes this way only where a loss repeats a message (the outbox's deletes); not a peer; ${PUTS} puts per run, the median of ${RUNS} runs`,
  };
}

const DEVICE_CYCLES = 30;
const deviceEui = (n: number): string => `00DB12345678${n.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The CHF Device Log: a durable add and a removal that keeps the key in the Historic Device Log (one
 * atomic batch), against the one synced sealed put that is the least a durable add can cost; and a
 * lookup, served from memory, against reading the same entry from its encrypted domain.
 */
async function* deviceLog(store: Store): AsyncIterable<BenchResult> {
  const log = await DeviceLog.open(store, { capacity: 16 });
  const code = withInstallCodeCrc(Buffer.alloc(16, 7));
  const key = randomBytes(16);
  const sealed = await store.domain(DEVICE_LOG_DOMAIN);
  const stored = { eui64: deviceEui(0), deviceType: 'ESME' as const, installCode: code.toString('hex'), addedAt: Date.UTC(2026, 0, 1) };
  let next = 0;
  const cycles = async () => {
    const adds: number[] = [];
    const removes: number[] = [];
    for (let i = 0; i < DEVICE_CYCLES; i++) {
      const eui64 = deviceEui(next++);
      adds.push((await timeEach(1, () => log.add({ eui64, deviceType: 'ESME', installCode: code })))[0]!);
      await log.recordLinkKey(eui64, key);
      removes.push((await timeEach(1, () => log.remove(eui64)))[0]!);
    }
    return { add50: us(percentile(adds, 50)), add99: us(percentile(adds, 99)), remove50: us(percentile(removes, 50)), remove99: us(percentile(removes, 99)) };
  };
  const puts = async () => {
    const first = 50_000 + next;
    const samples = await timeEach(DEVICE_CYCLES, (i) => sealed.put(deviceEui(first + i), { ...stored, eui64: deviceEui(first + i) }));
    await sealed.clear({ gte: deviceEui(50_000) });
    const [p50, p99] = [us(percentile(samples, 50)), us(percentile(samples, 99))];
    return { add50: p50, add99: p99, remove50: p50, remove99: p99 };
  };
  const writes = await alternate({ cycles, puts });
  const note = RUNS_NOTE(`${DEVICE_CYCLES} adds and removals (each removal moves the key to the Historic Device Log, evicting the oldest of 15)`);
  const span = 'one awaited Device Log add or remove (sync: true, AES-256-GCM sealed) against one awaited synced sealed put of the same entry';
  const t = writes.puts.add50;
  for (const [what, o, tail] of [['add', writes.cycles.add50, writes.cycles.add99], ['remove to historic', writes.cycles.remove50, writes.cycles.remove99]] as const) {
    yield { metric: `device log ${what} (durable) p50`, value: o, unit: 'µs', baseline: 'one synced sealed put of the entry', baseline_value: t, ratio: costRatio(o, t), span, caching: WRITES_CACHING, note: `${note}; ${tails(tail, writes.puts.add99)}` };
  }
  for (let n = 0; n < 16; n++) await log.add({ eui64: deviceEui(n), deviceType: 'ESME', installCode: code });
  for (let n = 0; n < 16; n++) await sealed.get(deviceEui(n));
  const reads = await alternate({
    memory: async () => ({ mean: await meanMicros(GETS, (i) => Promise.resolve(log.get(deviceEui(i % 16)))) }),
    disk: async () => ({ mean: await meanMicros(GETS / 4, (i) => sealed.get(deviceEui(i % 16))) }),
  });
  yield {
    metric: 'device log lookup (get by EUI-64)', value: reads.memory.mean, unit: 'µs', baseline: 'encrypted domain get of the same entry', baseline_value: reads.disk.mean, ratio: costRatio(reads.memory.mean, reads.disk.mean),
    span: 'one lookup of an entry in a full log of 16, awaited', caching: 'ours serves the log from memory (loaded at open, written through), copying key buffers; the baseline reads LevelDB (block cache warm) and opens the AES-256-GCM seal every time: the difference is the point of the row',
    note: RUNS_NOTE(`the mean of ${GETS} (ours) or ${GETS / 4} (baseline) lookups`),
  };
  await log.close();
}

/**
 * The GPF's 13-month half-hour profile: kept as one sealed entry per day of 48 values, so a full
 * read opens 395 entries. The baseline stores the same values one sealed entry per half-hour
 * (18,960) and reads them all; both decode every value.
 */
async function* gpfProfile(store: Store): AsyncIterable<BenchResult> {
  const gpf = await GasProxyData.open(store);
  const days = GPF_LOG_SIZES.profileDataLog.entries;
  const start = Date.UTC(2025, 0, 1);
  const intervals = Array.from({ length: days * HALF_HOURS_PER_DAY }, (_, i) => ({ start: start + i * 1_800_000, consumption: (i % 97) / 1000 }));
  for (let d = 0; d < days; d += 30) await gpf.recordProfileData(intervals.slice(d * HALF_HOURS_PER_DAY, (d + 30) * HALF_HOURS_PER_DAY));
  const perValue = await store.domain({ name: 'benchProfilePerValue', codec: jsonCodec<number>(), personal: true });
  for (let i = 0; i < intervals.length; i += 1000) {
    const batch = store.batch();
    for (const interval of intervals.slice(i, i + 1000)) batch.put(perValue, sequenceKey(interval.start), interval.consumption);
    await batch.write();
  }
  let read = 0;
  const measured = await alternate({
    buckets: async () => {
      const t0 = performance.now();
      read = (await gpf.profileData('supplier')).length;
      return { ms: performance.now() - t0 };
    },
    perValue: async () => {
      const t0 = performance.now();
      let n = 0;
      for await (const _ of perValue.entries()) n++;
      const ms = performance.now() - t0;
      if (n !== intervals.length) throw new Error(`the per-value baseline read ${n} values of ${intervals.length}`);
      return { ms };
    },
  });
  if (read !== intervals.length) throw new Error(`the GPF read ${read} values of ${intervals.length}`);
  const [o, t] = [round(measured.buckets.ms, 1), round(measured.perValue.ms, 1)];
  yield {
    metric: 'GPF 13-month profile read', value: o, unit: 'ms', baseline: 'one sealed entry per half-hour', baseline_value: t, ratio: costRatio(o, t),
    span: `reading all ${read} half-hour values (13 months) and decoding each: ours ${days} sealed day buckets through GasProxyData, the baseline ${read} sealed entries`,
    caching: 'neither keeps values in memory between runs; LevelDB\'s block cache is shared and warm for both after the first run', note: RUNS_NOTE('one full read'),
  };
}

/** The thousand keys the lookups read, in both domains. */
async function seedLookups(store: Store): Promise<void> {
  const log = await store.domain({ name: 'eventLog', codec: jsonCodec<Entry>() });
  const readings = await store.domain({ name: 'readings', codec: jsonCodec<Entry>(), personal: true });
  const batch = store.batch();
  for (let i = 0; i < 1000; i++) batch.put(log, sequenceKey(i), entry(i)).put(readings, sequenceKey(i), entry(i));
  await batch.write();
}


const RELAY_MESSAGES = 250;
const RELAY_WARM_UP = 25;
const RELAY_RATE_PER_SECOND = 50;
const UART_BAUD = 115_200;
const BENCH_ESME = '00DB1234567890A0';

/** The line between the hub's radio and the simulated NCP, and how it is described in the results. */
interface RelayLine {
  hub: Transport;
  ncp: Transport;
  what: string;
  close(): Promise<void>;
}

/** A socat pty pair with SerialTransport at 115,200 baud on both ends, as a UART-attached NCP is reached. */
async function ptyLine(): Promise<RelayLine> {
  const pair = await openPtyPair();
  const hub = new SerialTransport({ path: pair.a, baudRate: UART_BAUD });
  const ncp = new SerialTransport({ path: pair.b, baudRate: UART_BAUD });
  await hub.open();
  await ncp.open();
  const what = `SerialTransport at ${UART_BAUD} baud on a socat pty pair (a pty does not pace bytes at the baud rate)`;
  const close = async () => {
    await Promise.allSettled([hub.close(), ncp.close()]);
    await pair.close();
  };
  return { hub, ncp, what, close };
}

function memoryLine(): RelayLine {
  const [hub, ncp] = memoryTransportPair('relay-bench');
  return { hub, ncp, what: 'the in-memory Transport pair', close: async () => undefined };
}

/** Every write the hub's end of the line completed: when, and how many bytes. */
function recordWrites(line: Transport): Array<{ at: number; length: number }> {
  const writes: Array<{ at: number; length: number }> = [];
  const write = line.write.bind(line);
  line.write = async (bytes: Uint8Array) => {
    await write(bytes);
    writes.push({ at: performance.now(), length: bytes.length });
  };
  return writes;
}

/**
 * HAN relay to a mains Device (tunnel already open): from `relay()` to the moment the hub's end of
 * the line has completed writing the last byte of the ASH DATA frame carrying the sendUnicast, at
 * 50 messages/s, through the real EZSP Radio and ASH to the simulated NCP at the line's other end.
 * Beside it, what that frame takes on a 115,200-baud UART (ratio = UART time / hub-added time),
 * computed from the frame's bytes (8N1: ten bits per byte). Measured over a pty pair (the line a
 * UART-attached NCP is reached by) and, for scale, over the in-memory pair (no serial port at all).
 */
async function* relayToLine(dir: string, line: RelayLine, label: string): AsyncIterable<BenchResult> {
  const clock = new SystemClock();
  const scenario = await loadScenario(undefined);
  const sim = new Simulator({ scenario, clock });
  sim.serve(line.ncp);
  const writes = recordWrites(line.hub);
  const radio = new EzspRadio({ link: new AshEndpoint({ role: 'host', transport: line.hub, clock }), clock });
  const store = await openStore({ path: join(dir, `relay-${label.replace(/\W+/g, '-')}`), secureElement: { dataKey: async () => randomBytes(32) } });
  const log = await DeviceLog.open(store);
  const queue = await SleepyQueue.open({ store, clock });
  const relay = new HanRelay({ radio, admission: { isAdmitted: (e) => log.has(e) }, devices: { isSleepy: () => false }, queue, clock });
  const agent = new SimTunnelAgent(sim, BENCH_ESME);
  try {
    await radio.start();
    await radio.formNetwork({ channel: 15, panId: 0x2b2b });
    const installCode = scenario.devices.find((d) => d.eui64 === BENCH_ESME)!.declaredInstallCode;
    await log.add({ eui64: BENCH_ESME, deviceType: 'ESME', installCode });
    await radio.permitJoining([{ eui64: BENCH_ESME, linkKey: linkKeyFromInstallCode(installCode) }], 60);
    const joined = once(radio, 'deviceJoined');
    sim.join(BENCH_ESME);
    await joined;
    await relay.start();
    const message = Buffer.concat([Buffer.of(0xdd), randomBytes(59)]);
    const hubAdded: number[] = [];
    const uart: number[] = [];
    const pending: Array<Promise<unknown>> = [];
    for (let i = 0; i < RELAY_WARM_UP + RELAY_MESSAGES; i++) {
      const since = writes.length;
      const start = performance.now();
      const done = relay.relay(BENCH_ESME, message).then((report) => {
        if (report.status !== 'DELIVERED') throw new Error(`relay ${i} over ${label}: ${report.status} ${report.detail ?? ''}`);
        // The DATA frame is the one write in this window longer than an ASH ACK (4 bytes + flag).
        const frame = writes.slice(since).find((w) => w.length > 8);
        if (!frame || i < RELAY_WARM_UP) return;
        hubAdded.push(frame.at - start);
        uart.push((frame.length * 10 * 1000) / UART_BAUD);
      });
      pending.push(done);
      await clock.sleep(1000 / RELAY_RATE_PER_SECOND - (performance.now() - start));
    }
    await Promise.all(pending);
    const note = `${hubAdded.length} relays of a ${message.length}-octet GBCS message at ${RELAY_RATE_PER_SECOND}/s to an ESME with its tunnel open; EzspRadio + ASH + ${line.what} to the simulated NCP; UART time = that ASH frame's bytes at ${UART_BAUD} baud 8N1`;
    const [ours, wire] = [round(percentile(hubAdded, 50), 3), round(percentile(uart, 50), 3)];
    yield {
      metric: `relay to last byte on ${label} p50`, value: ours, unit: 'ms', baseline: `UART time of the frame at ${UART_BAUD} baud`, baseline_value: wire, ratio: costRatio(ours, wire),
      span: 'ours: from relay() to the hub\'s end of the line having written the last byte of the ASH DATA frame; baseline: that frame\'s bytes at the baud rate, computed, not run',
      caching: 'the tunnel is open and the Device admitted before timing; nothing else is reused',
      note: `${note}; p99 ${round(percentile(hubAdded, 99), 3)} ms (a tail: not stable between reruns)`,
    };
  } finally {
    agent.detach();
    await relay.stop();
    await queue.close();
    await log.close();
    await store.close();
    await radio.stop().catch(() => undefined);
    await sim.close();
    await line.close();
  }
}

const suite: BenchSuite = async function* () {
  const dir = await mkdtemp(join(tmpdir(), 'hub-bench-state-'));
  try {
    const path = join(dir, 'db');
    const dataKey = randomBytes(32);
    const store = await openStore({ path, secureElement: { dataKey: async () => dataKey } });
    yield* durablePuts(store, dir);
    yield* batches(store);
    await seedLookups(store);
    await store.close();
    yield* lookups(path, dataKey);
    // Its own store: the batch bench above uses a plain domain named deviceLog.
    const devices = await openStore({ path: join(dir, 'devices'), secureElement: { dataKey: async () => dataKey } });
    yield* deviceLog(devices);
    yield* gpfProfile(devices);
    await devices.close();
    yield* unsyncedPut(path);
    yield* relayToLine(dir, await ptyLine(), 'serial');
    yield* relayToLine(dir, memoryLine(), 'the in-memory pair');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

export default suite;
