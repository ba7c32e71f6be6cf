import { jsonCodec, sequenceKey, type Domain, type DomainSpec, type RangeOptions, type Store } from '../store/index.js';
import { BoundedLog } from '../logs/index.js';
import { AudienceGate, type Audience, type GpfViewName } from './audience-gate.js';
import { DAY_MS, dayKey, dayStart, halfHourSlot, isDayKey, slotStart } from './days.js';
import { GpfError } from './errors.js';
import { IdentifierError, parseMprn, sameMprn as sameMprnNumber } from '../security/identifiers.js';
import { retentionCutoff, type PersonalClass } from '../privacy/index.js';
import { GPF_LOG_SIZES, HALF_HOURS_PER_DAY, type GpfLogName } from './log-sizes.js';
import {
  checkPrepayment,
  checkRegisters,
  checkTime,
  isObject,
  passes,
  type BillingSnapshot,
  type DailyConsumption,
  type DailyRead,
  type GasRegisters,
  type PrepaymentDailyRead,
  type PrepaymentRegisters,
  type ProfileInterval,
} from './readings.js';

/**
 * The GPF's data store: the gas meter's registers and logs, kept so the battery-powered meter can
 * sleep while the GPF answers reads. Every value is personal and encrypted at rest.
 *
 * Every read takes an audience and passes the AudienceGate (audience-gate.ts). A householder's view
 * starts at the change-of-tenancy date (GCS09) and is empty while Restrict Data is set: the gate
 * reads both from the store itself, so a caller cannot forget or mis-pass them. An entry is visible
 * to the householder only if what it describes happened on or after the date: a snapshot's time,
 * an interval's or a day's start.
 */
export type { Audience } from './audience-gate.js';

/** UTC ms: `from` inclusive, `to` exclusive. */
export interface DateRange {
  from?: number;
  to?: number;
}

interface ProfileDay {
  day: string;
  /** 48 half-hours; null where the meter has not reported one. */
  values: Array<number | null>;
}

const SETTINGS = { tenancy: 'changeOfTenancy', mprn: 'mprn', restrictData: 'restrictData' } as const;
const LATEST = 'latest';

function checkDay(value: unknown, where: string): asserts value is { day: string } {
  if (!isObject(value) || !isDayKey(value['day'])) throw new GpfError('GPF_BAD_VALUE', 'needs a UTC day (YYYY-MM-DD)', { where: `${where}.day` });
}
function checkDailyRead(value: unknown, where: string): void {
  checkDay(value, where);
  checkRegisters(value, where);
}
function checkPrepaymentDailyRead(value: unknown, where: string): void {
  checkDay(value, where);
  checkTime((value as Record<string, unknown>)['at'], `${where}.at`);
  checkPrepayment(value, where);
}
function checkDailyConsumption(value: unknown, where: string): void {
  checkDay(value, where);
  const consumption = (value as Record<string, unknown>)['consumption'];
  if (typeof consumption !== 'number' || !Number.isFinite(consumption) || consumption < 0) {
    throw new GpfError('GPF_BAD_VALUE', 'must be a non-negative finite number', { where: `${where}.consumption` });
  }
}
function checkProfileDay(value: unknown, where: string): void {
  checkDay(value, where);
  const values = (value as Record<string, unknown>)['values'];
  const ok = Array.isArray(values) && values.length === HALF_HOURS_PER_DAY && values.every((v) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0));
  if (!ok) throw new GpfError('GPF_BAD_VALUE', `must be ${HALF_HOURS_PER_DAY} non-negative numbers or nulls`, { where: `${where}.values` });
}
function checkSetting(value: unknown, where: string): void {
  if (typeof value !== 'number' && typeof value !== 'string') throw new GpfError('GPF_BAD_VALUE', 'must be a number or a string', { where });
}

function spec<V>(name: string, check: (value: unknown, where: string) => void): DomainSpec<V> {
  return { name, codec: jsonCodec<V>(passes(check) as (value: unknown) => value is V), personal: true, validate: (value) => check(value, name) };
}

/** Loose key bounds for a time range over day-keyed entries; the exact cut is made on each entry's time. */
function dayBounds(from: number, to: number): RangeOptions {
  const range: RangeOptions = {};
  if (Number.isFinite(from)) range.gte = dayKey(Math.max(0, from - DAY_MS));
  if (Number.isFinite(to)) range.lte = dayKey(to + DAY_MS);
  return range;
}

/** Key bounds for a time range over snapshots keyed by the time they were taken. */
function snapshotBounds(from: number, to: number): RangeOptions {
  return {
    ...(Number.isFinite(from) ? { gte: sequenceKey(Math.max(0, Math.ceil(from))) } : {}),
    ...(Number.isFinite(to) ? { lt: sequenceKey(Math.max(0, Math.ceil(to))) } : {}),
  };
}

export class GasProxyData {
  private profileWriting: Promise<unknown> = Promise.resolve();
  /** Every view below asks it where the view starts; add a householder check (a PIN) to it. */
  readonly gate = new AudienceGate({ changeOfTenancy: () => this.changeOfTenancy(), restrictData: () => this.restrictData() });

  private constructor(
    private readonly registers: Domain<GasRegisters>,
    private readonly settings: Domain<number | string>,
    private readonly logs: {
      dailyReadLog: BoundedLog<DailyRead>;
      prepaymentDailyReadLog: BoundedLog<PrepaymentDailyRead>;
      dailyConsumptionLog: BoundedLog<DailyConsumption>;
      profileDataLog: BoundedLog<ProfileDay>;
      billingDataLog: BoundedLog<BillingSnapshot>;
    },
  ) {}

  /** Needs a store opened with a SecureElement: every GPF domain is personal. */
  static async open(store: Store): Promise<GasProxyData> {
    const size = (name: GpfLogName) => GPF_LOG_SIZES[name].entries;
    return new GasProxyData(await store.domain(spec<GasRegisters>('gpfRegisters', checkRegisters)), await store.domain(spec<number | string>('gpfSettings', checkSetting)), {
      dailyReadLog: await BoundedLog.open(store, spec<DailyRead>('gpfDailyReadLog', checkDailyRead), size('dailyReadLog')),
      prepaymentDailyReadLog: await BoundedLog.open(store, spec<PrepaymentDailyRead>('gpfPrepaymentDailyReadLog', checkPrepaymentDailyRead), size('prepaymentDailyReadLog')),
      dailyConsumptionLog: await BoundedLog.open(store, spec<DailyConsumption>('gpfDailyConsumptionLog', checkDailyConsumption), size('dailyConsumptionLog')),
      profileDataLog: await BoundedLog.open(store, spec<ProfileDay>('gpfProfileDataLog', checkProfileDay), size('profileDataLog')),
      billingDataLog: await BoundedLog.open(store, spec<BillingSnapshot>('gpfBillingDataLog', checkRegisters), size('billingDataLog')),
    });
  }

  // What the meter pushes.

  /** The meter's latest registers; an older reading than the one held is ignored (resolves false). */
  async recordReading(reading: GasRegisters): Promise<boolean> {
    checkRegisters(reading, 'reading');
    const held = await this.registers.get(LATEST);
    if (held && held.at > reading.at) return false;
    await this.registers.put(LATEST, reading);
    return true;
  }

  async recordDailyRead(entry: DailyRead): Promise<void> {
    checkDailyRead(entry, 'dailyRead');
    return this.logs.dailyReadLog.putMany([[entry.day, entry]]);
  }

  async recordPrepaymentDailyRead(entry: PrepaymentDailyRead): Promise<void> {
    checkPrepaymentDailyRead(entry, 'prepaymentDailyRead');
    return this.logs.prepaymentDailyReadLog.putMany([[entry.day, entry]]);
  }

  async recordDailyConsumption(entries: readonly DailyConsumption[]): Promise<void> {
    entries.forEach((entry, i) => checkDailyConsumption(entry, `dailyConsumption[${i}]`));
    return this.logs.dailyConsumptionLog.putMany(entries.map((entry) => [entry.day, entry]));
  }

  async recordBillingSnapshot(entry: BillingSnapshot): Promise<void> {
    checkRegisters(entry, 'billingSnapshot');
    return this.logs.billingDataLog.putMany([[sequenceKey(entry.at), entry]]);
  }

  /** Half-hour values, merged into their day's bucket: one read and one write per day touched. */
  async recordProfileData(intervals: readonly ProfileInterval[]): Promise<void> {
    const byDay = new Map<string, Array<[slot: number, value: number]>>();
    intervals.forEach((interval, i) => {
      const where = `profile[${i}]`;
      if (!isObject(interval)) throw new GpfError('GPF_BAD_VALUE', 'must be an object', { where });
      const slot = halfHourSlot(interval.start);
      const value = interval.consumption;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new GpfError('GPF_BAD_VALUE', 'must be a non-negative finite number', { where: `${where}.consumption` });
      const day = dayKey(interval.start);
      byDay.set(day, [...(byDay.get(day) ?? []), [slot, value]]);
    });
    const write = async () => {
      const buckets: Array<[string, ProfileDay]> = [];
      for (const [day, slots] of byDay) {
        const bucket = (await this.logs.profileDataLog.entries.get(day)) ?? { day, values: new Array<number | null>(HALF_HOURS_PER_DAY).fill(null) };
        const values = [...bucket.values];
        for (const [slot, value] of slots) values[slot] = value;
        buckets.push([day, { day, values }]);
      }
      await this.logs.profileDataLog.putMany(buckets);
    };
    // Read-merge-write of a day bucket must not interleave with another.
    const run = this.profileWriting.then(write);
    this.profileWriting = run.catch(() => undefined);
    return run;
  }

  // Settings.

  /** GCS09: the change-of-tenancy date (UTC ms), in the past or the future; it applies at once. */
  async setChangeOfTenancy(utcMs: number): Promise<void> {
    checkTime(utcMs, 'changeOfTenancy');
    await this.settings.put(SETTINGS.tenancy, utcMs);
  }

  async changeOfTenancy(): Promise<number | undefined> {
    const value = await this.settings.get(SETTINGS.tenancy);
    return typeof value === 'number' ? value : undefined;
  }

  /**
   * Restrict Data: while set, every householder view of consumption, tariff and prepayment data is
   * empty; suppliers and network operators see everything as before. Set and cleared only by an
   * operator who proved the engineering PIN (`hub gpf restrict`).
   */
  async setRestrictData(restricted: boolean): Promise<void> {
    if (typeof restricted !== 'boolean') throw new GpfError('GPF_BAD_VALUE', 'must be true or false', { where: 'restrictData' });
    await this.settings.put(SETTINGS.restrictData, restricted ? 1 : 0);
  }

  async restrictData(): Promise<boolean> {
    return (await this.settings.get(SETTINGS.restrictData)) === 1;
  }

  /** The gas meter point number, kept as given (leading zeros and all). */
  async setMprn(mprn: string): Promise<void> {
    asGpfError(() => parseMprn(mprn));
    await this.settings.put(SETTINGS.mprn, mprn);
  }

  async mprn(): Promise<string | undefined> {
    const value = await this.settings.get(SETTINGS.mprn);
    return typeof value === 'string' ? value : undefined;
  }

  // Views.

  /** Where `audience`'s view starts, from the gate: +Infinity (an empty view) when it may show nothing. */
  private async floor(audience: Audience, view: GpfViewName): Promise<number> {
    return (await this.gate.admit({ audience, view })) ?? Infinity;
  }

  private async window(audience: Audience, view: GpfViewName, range: DateRange): Promise<[from: number, to: number]> {
    const from = Math.max(range.from ?? -Infinity, await this.floor(audience, view));
    const to = range.to ?? Infinity;
    if (Number.isNaN(from) || Number.isNaN(to)) throw new GpfError('GPF_BAD_RANGE', 'from and to are UTC ms', { where: 'range' });
    return [from, to];
  }

  private async readLog<V>(
    log: BoundedLog<V>, view: GpfViewName, audience: Audience, range: DateRange, timeOf: (entry: V) => number, bounds: (from: number, to: number) => RangeOptions,
  ): Promise<V[]> {
    const [from, to] = await this.window(audience, view, range);
    if (from >= to) return [];
    const entries = await log.read(bounds(from, to));
    return entries.map(([, entry]) => entry).filter((entry) => timeOf(entry) >= from && timeOf(entry) < to);
  }

  /** GCS13a/b/c: the latest registers (a householder sees none taken before the tenancy date). */
  async readRegisters(audience: Audience): Promise<GasRegisters | undefined> {
    return this.latest(audience, 'readRegisters');
  }

  private async latest(audience: Audience, view: GpfViewName): Promise<GasRegisters | undefined> {
    const floor = await this.floor(audience, view);
    const registers = await this.registers.get(LATEST);
    return registers && registers.at >= floor ? registers : undefined;
  }

  /** GCS14: the prepayment registers with the time they were read. */
  async prepaymentRegisters(audience: Audience): Promise<(PrepaymentRegisters & { at: number }) | undefined> {
    return this.prepaymentOf(await this.latest(audience, 'prepaymentRegisters'));
  }

  private prepaymentOf(registers: GasRegisters | undefined): (PrepaymentRegisters & { at: number }) | undefined {
    return registers?.prepayment && { at: registers.at, ...registers.prepayment };
  }

  /** GCS60: the meter balance and emergency credit balance. */
  async meterBalance(audience: Audience): Promise<{ at: number; meterBalance: number; emergencyCreditBalance: number } | undefined> {
    const prepayment = this.prepaymentOf(await this.latest(audience, 'meterBalance'));
    return prepayment && { at: prepayment.at, meterBalance: prepayment.meterBalance, emergencyCreditBalance: prepayment.emergencyCreditBalance };
  }

  /** GCS16a, oldest first. */
  dailyReadLog(audience: Audience, range: DateRange = {}): Promise<DailyRead[]> {
    return this.readLog(this.logs.dailyReadLog, 'dailyReadLog', audience, range, (entry) => entry.at, dayBounds);
  }

  /** GCS16b, oldest first. */
  prepaymentDailyReadLog(audience: Audience, range: DateRange = {}): Promise<PrepaymentDailyRead[]> {
    return this.readLog(this.logs.prepaymentDailyReadLog, 'prepaymentDailyReadLog', audience, range, (entry) => entry.at, dayBounds);
  }

  /** GCS61, oldest first; a day counts from its start. */
  dailyConsumptionLog(audience: Audience, range: DateRange = {}): Promise<DailyConsumption[]> {
    return this.readLog(this.logs.dailyConsumptionLog, 'dailyConsumptionLog', audience, range, (entry) => dayStart(entry.day), dayBounds);
  }

  /** GCS15b/c, oldest first. */
  billingDataLog(audience: Audience, range: DateRange = {}): Promise<BillingSnapshot[]> {
    return this.readLog(this.logs.billingDataLog, 'billingDataLog', audience, range, (entry) => entry.at, snapshotBounds);
  }

  /** The half-hour profile, oldest first, reported intervals only. */
  async profileData(audience: Audience, range: DateRange = {}): Promise<ProfileInterval[]> {
    const [from, to] = await this.window(audience, 'profileData', range);
    if (from >= to) return [];
    const out: ProfileInterval[] = [];
    for (const [, bucket] of await this.logs.profileDataLog.read(dayBounds(from, to))) {
      bucket.values.forEach((consumption, slot) => {
        const start = slotStart(bucket.day, slot);
        if (consumption !== null && start >= from && start < to) out.push({ start, consumption });
      });
    }
    return out;
  }

  // Retention.

  /**
   * Delete what its class's age limit (PERSONAL_DATA) has expired at `now`: entries describing a time
   * before the cut-off go, one at the cut-off stays; the profile day that straddles it loses only
   * its earlier half-hours. One atomic write per domain, so a crash leaves each as it was or purged;
   * a second pass finds nothing. Resolves with how many entries went (a trimmed day counts as one).
   */
  async purgeExpired(now: number): Promise<Array<{ domain: string; entries: number }>> {
    return [
      { domain: this.registers.name, entries: await this.purgeLatest(now) },
      { domain: this.logs.dailyReadLog.name, entries: await this.purgeLog(this.logs.dailyReadLog, 'consumption', now, (entry) => entry.at, dayBounds) },
      { domain: this.logs.prepaymentDailyReadLog.name, entries: await this.purgeLog(this.logs.prepaymentDailyReadLog, 'prepayment', now, (entry) => entry.at, dayBounds) },
      { domain: this.logs.dailyConsumptionLog.name, entries: await this.purgeLog(this.logs.dailyConsumptionLog, 'consumption', now, (entry) => dayStart(entry.day), dayBounds) },
      { domain: this.logs.billingDataLog.name, entries: await this.purgeLog(this.logs.billingDataLog, 'tariff', now, (entry) => entry.at, snapshotBounds) },
      { domain: this.logs.profileDataLog.name, entries: await this.purgeProfile(now) },
    ];
  }

  private async purgeLatest(now: number): Promise<number> {
    const cutoff = retentionCutoff('consumption', now);
    const registers = await this.registers.get(LATEST);
    if (cutoff === undefined || !registers || registers.at >= cutoff) return 0;
    await this.registers.del(LATEST);
    return 1;
  }

  private async purgeLog<V>(log: BoundedLog<V>, personalClass: PersonalClass, now: number, timeOf: (entry: V) => number, bounds: (from: number, to: number) => RangeOptions): Promise<number> {
    const cutoff = retentionCutoff(personalClass, now);
    if (cutoff === undefined) return 0;
    const expired = (await log.read(bounds(-Infinity, cutoff))).filter(([, entry]) => timeOf(entry) < cutoff);
    return expired.length === 0 ? 0 : log.removeKeys(expired.map(([key]) => key));
  }

  private purgeProfile(now: number): Promise<number> {
    const cutoff = retentionCutoff('consumption', now);
    if (cutoff === undefined) return Promise.resolve(0);
    const purge = async () => {
      const doomed: string[] = [];
      const trimmed: Array<[string, ProfileDay]> = [];
      for (const [key, bucket] of await this.logs.profileDataLog.read(dayBounds(-Infinity, cutoff))) {
        const values = bucket.values.map((value, slot) => (slotStart(bucket.day, slot) < cutoff ? null : value));
        if (values.every((value) => value === null)) doomed.push(key);
        else if (values.some((value, slot) => value !== bucket.values[slot])) trimmed.push([key, { day: bucket.day, values }]);
      }
      if (doomed.length === 0 && trimmed.length === 0) return 0;
      return (await this.logs.profileDataLog.removeKeys(doomed, trimmed)) + trimmed.length;
    };
    // The same read-merge-write discipline as recordProfileData: a trimmed day must not lose a new half-hour.
    const run = this.profileWriting.then(purge);
    this.profileWriting = run.catch(() => undefined);
    return run;
  }

  /** How many entries each log holds now (no values: safe to report). */
  counts(): Record<Exclude<GpfLogName, 'deviceLog'>, number> {
    return {
      dailyReadLog: this.logs.dailyReadLog.count(),
      prepaymentDailyReadLog: this.logs.prepaymentDailyReadLog.count(),
      dailyConsumptionLog: this.logs.dailyConsumptionLog.count(),
      profileDataLog: this.logs.profileDataLog.count(),
      billingDataLog: this.logs.billingDataLog.count(),
    };
  }
}

/** GBCS: MPRNs may arrive with leading zeros, so two are the same meter point when equal as integers. */
export function sameMprn(a: string, b: string): boolean {
  return asGpfError(() => sameMprnNumber(a, b));
}

/** The rules live in src/security/identifiers.ts; the GPF reports them as its own error. */
function asGpfError<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof IdentifierError) throw new GpfError('GPF_BAD_MPRN', error.message.replace(/^[^:]*: /, ''), { where: 'mprn', cause: error });
    throw error;
  }
}
