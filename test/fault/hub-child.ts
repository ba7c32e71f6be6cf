import { createInterface } from 'node:readline';
import { SystemClock } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { withInstallCodeCrc } from '../../hal/install-code.js';
import { silentLogger } from '../../hal/log.js';
import { SeededRandom } from '../../hal/sim/random.js';
import { loadScenario } from '../../hal/sim/scenario.js';
import { Simulator } from '../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../hal/transport/memory.js';
import type { DeviceType } from '../../src/security/device-types.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { DAY_MS, HALF_HOUR_MS, dayKey, dayStart } from '../../src/gpf/days.js';
import type { GasProxyData } from '../../src/gpf/index.js';
import { startHub, type Hub } from '../../src/compose.js';
import { digest, type ChildLine, type ChildOrders, type HubOp, type HubState } from './hub-state.js';

/**
 * The hub under test for test/fault/hub-durability.test.ts: the real composition root (its Store,
 * FileSecureElement, Device Log...) against a simulated NCP in this process, so a restart costs no
 * second process. It prints its state as read back through the hub's modules, then changes the
 * Device Log and the GPF's data in a seeded random stream until it is killed: one line before each
 * operation starts and one once its promise has resolved (stdout to a pipe is synchronous on
 * Linux, so a printed acknowledgement is never lost with the process).
 *
 * Usage: hub-child.ts <store dir>. It loads its code, says so, and waits for one line on stdin
 * (`ChildOrders`) before it opens the store, so a test can have the next hub loaded while the
 * previous one still runs. It exits when stdin closes (the test is gone).
 */
const [storePath] = process.argv.slice(2);
// This year's start: the GPF's data must stay inside its retention limit, or the start-up purge would take it.
const EPOCH = Date.UTC(new Date().getUTCFullYear(), 0, 1);
const DEVICE_TYPES_USED: DeviceType[] = ['ESME', 'GSME', 'PPMID', 'HCALCS', 'Type2', 'HHT', 'GPF'];

function say(line: ChildLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function readState(hub: Hub, gpf: GasProxyData): Promise<HubState> {
  const latest = await gpf.readRegisters('supplier');
  const counts = gpf.counts();
  return {
    devices: hub.deviceLog
      .list()
      .map((d) => ({ eui64: d.eui64, deviceType: d.deviceType, installCode: d.installCode ? digest(d.installCode) : null, key: d.tcLinkKey ? digest(d.tcLinkKey) : null }))
      .sort((a, b) => a.eui64.localeCompare(b.eui64)),
    historic: hub.deviceLog.historic.list().map((h) => ({ eui64: h.eui64, key: digest(h.tcLinkKey) })),
    latest: latest ? { at: latest.at, consumption: latest.consumption } : null,
    dailyReads: (await gpf.dailyReadLog('supplier')).map((e) => [e.day, e.consumption]),
    dailyConsumption: (await gpf.dailyConsumptionLog('supplier')).map((e) => [e.day, e.consumption]),
    profile: (await gpf.profileData('supplier')).map((e) => [e.start, e.consumption]),
    counts: { dailyReadLog: counts.dailyReadLog, dailyConsumptionLog: counts.dailyConsumptionLog, profileDataLog: counts.profileDataLog },
  };
}

/** Where each GPF stream carries on from: after the newest entry the store holds. */
function cursors(state: HubState) {
  const nextDay = (entries: Array<[string, number]>) => (entries.length ? dayStart(entries.at(-1)![0]) + DAY_MS : EPOCH);
  return {
    readingAt: state.latest?.at ?? EPOCH,
    dailyRead: nextDay(state.dailyReads),
    dailyConsumption: nextDay(state.dailyConsumption),
    profile: state.profile.length ? state.profile.at(-1)![0] + HALF_HOUR_MS : EPOCH,
  };
}

class OperationStream {
  private readonly random: SeededRandom;
  private readonly next: ReturnType<typeof cursors>;
  private added = 0;

  constructor(
    private readonly hub: Hub,
    private readonly gpf: GasProxyData,
    state: HubState,
    seed: number,
    private readonly run: number,
  ) {
    this.random = new SeededRandom(seed);
    this.next = cursors(state);
  }

  private bytes(length: number): Buffer {
    return Buffer.from(Array.from({ length }, () => this.random.below(256)));
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.random.below(items.length)]!;
  }

  private amount(): number {
    return this.random.below(100_000) / 1000;
  }

  /** The next operation and the call that performs it through the hub's modules. */
  choose(): [HubOp, () => Promise<unknown>] {
    const log = this.hub.deviceLog;
    const roll = this.random.below(100);
    if (log.size === 0 || (roll < 22 && log.size < log.capacity)) return this.add();
    if (roll < 36) return this.key();
    if (roll < 50 || log.size >= log.capacity) return this.remove();
    if (roll < 64) {
      this.next.readingAt += 60_000 * (1 + this.random.below(30));
      const reading = { at: this.next.readingAt, consumption: this.amount(), blockCounters: [], touRegisters: [] };
      return [{ op: 'reading', at: reading.at, consumption: reading.consumption }, () => this.gpf.recordReading(reading)];
    }
    if (roll < 78) {
      const start = this.next.dailyRead;
      this.next.dailyRead += DAY_MS;
      const entry = { day: dayKey(start), at: start + DAY_MS - 1000, consumption: this.amount(), blockCounters: [], touRegisters: [] };
      return [{ op: 'dailyRead', day: entry.day, consumption: entry.consumption }, () => this.gpf.recordDailyRead(entry)];
    }
    if (roll < 89) {
      const entries = Array.from({ length: 1 + this.random.below(4) }, () => {
        const day = dayKey(this.next.dailyConsumption);
        this.next.dailyConsumption += DAY_MS;
        return { day, consumption: this.amount() };
      });
      return [{ op: 'dailyConsumption', entries: entries.map((e) => [e.day, e.consumption]) }, () => this.gpf.recordDailyConsumption(entries)];
    }
    // Several half-hours at once, sometimes across midnight: two day buckets in one write.
    const intervals = Array.from({ length: 1 + this.random.below(8) }, () => {
      const start = this.next.profile;
      this.next.profile += HALF_HOUR_MS;
      return { start, consumption: this.amount() };
    });
    return [{ op: 'profile', intervals: intervals.map((i) => [i.start, i.consumption]) }, () => this.gpf.recordProfileData(intervals)];
  }

  private add(): [HubOp, () => Promise<unknown>] {
    const log = this.hub.deviceLog;
    // Sometimes a Device removed with its key comes back (CCS01's resumption from the Historic Device Log).
    const returning = log.historic.list().filter((h) => !log.has(h.eui64));
    const eui64 = returning.length > 0 && this.random.below(3) === 0
      ? this.pick(returning).eui64
      : `FA17${this.run.toString(16).toUpperCase().padStart(4, '0')}${(this.added++).toString(16).toUpperCase().padStart(8, '0')}`;
    const deviceType = this.pick(DEVICE_TYPES_USED);
    const installCode = deviceType === 'GPF' ? undefined : withInstallCodeCrc(this.bytes(16));
    const op: HubOp = { op: 'add', eui64, deviceType, installCode: installCode ? digest(installCode) : null };
    return [op, () => log.add({ eui64, deviceType, ...(installCode ? { installCode } : {}) })];
  }

  private key(): [HubOp, () => Promise<unknown>] {
    const log = this.hub.deviceLog;
    const { eui64 } = this.pick(log.list());
    const held = log.historic.get(eui64);
    const key = held && this.random.below(2) === 0 ? held.tcLinkKey : this.bytes(16);
    return [{ op: 'key', eui64, key: digest(key) }, () => log.recordLinkKey(eui64, key)];
  }

  private remove(): [HubOp, () => Promise<unknown>] {
    const { eui64 } = this.pick(this.hub.deviceLog.list());
    return [{ op: 'remove', eui64 }, () => this.hub.deviceLog.remove(eui64)];
  }
}

function orders(): Promise<ChildOrders> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin });
    lines.once('line', (line) => resolve(JSON.parse(line) as ChildOrders));
    lines.once('close', () => reject(new Error('stdin closed before orders came')));
  });
}

async function main(): Promise<void> {
  if (!storePath) throw new Error('usage: hub-child.ts <store dir>');
  say({ event: 'loaded' });
  const { seed, run, mode } = await orders();
  // Nobody is left to kill us once the test's end of stdin is gone.
  process.stdin.once('end', () => process.exit(2));
  const clock = new SystemClock();
  const sim = new Simulator({ scenario: await loadScenario(undefined), clock });
  const [hubSide, ncpSide] = memoryTransportPair('durability');
  sim.serve(ncpSide);
  const config = { ...structuredClone(DEFAULT_CONFIG), store: { path: storePath } };
  const hub = await startHub({ config, logger: silentLogger, clock, transport: hubSide });
  const gpf = hub.gpf.data;
  const state = await readState(hub, gpf);
  say({ event: 'ready', state, recoveryProblems: hub.store.recoveryProblems });
  if (mode === 'check') {
    await hub.stop();
    await sim.close();
    process.exit(0);
  }
  const stream = new OperationStream(hub, gpf, state, seed, run);
  for (let n = 0; ; n++) {
    const [op, perform] = stream.choose();
    say({ begin: n, op });
    await perform();
    say({ ack: n });
  }
}

main().catch((error: unknown) => {
  const code = error instanceof HubError ? error.code : 'UNEXPECTED';
  say({ event: 'failed', code, message: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) });
  process.exit(1);
});
