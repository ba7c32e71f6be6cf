import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../../hal/clock.js';
import { parseEui64 } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import type { Store } from '../store/index.js';
import { airtimeMicros } from './airtime.js';
import { checkChannel, encodeChannel, type SubGhzChannel } from './channel.js';
import { ChannelLog, type ChannelChangeReason, type ChannelLogEntry } from './channel-log.js';
import { allowedChannels, checkConfiguration, DEFAULT_CONFIGURATION, type SubGhzConfiguration } from './configuration.js';
import {
  CHANNEL_CHANGE_COUNT_WINDOW_MS,
  CHANNEL_LOG_CAPACITY,
  ENERGY_SCAN_DURATION_EXPONENT,
  REGULATED_DUTY_CYCLE_LIMIT,
  SUB_GHZ_ALERTS,
  SUB_GHZ_DEVICE_CAPACITY,
} from './constants.js';
import { DUTY_CYCLE_LEVELS, DutyCycleManager, type DutyCycleDecision, type DutyCycleLevel, type DutyCycleLimits, type Pause } from './duty-cycle.js';
import { SubGhzError } from './errors.js';
import type { DiscardedCommand, ScanAssessment, SubGhzEvents } from './events.js';
import { assessScanRequest, channelValues, pickChannel, readEnergy, type SubGhzRadio } from './scan.js';
import { CONFIGURATION_KEY, openDomains, SCAN_KEY, type SubGhzDomains } from './sub-ghz-store.js';

/**
 * The CHF's dual-band (Sub GHz) state: the channel it operates on and the Channel Log (DBCH01,
 * DBCH02), the Sub GHz Configuration (DBCH03, DBCH04 → DBCH09), channel scan requests (DBCH05 →
 * DBCH08 → DBCH07), per-Device and hub duty cycle (DBCH06, DBCH10) and Sub GHz capacity (DBCH11).
 * Everything a GBCS read reports, and every pause, is on disk before it is reported; alerts are
 * events (see events.ts) the hub turns into GBCS alerts.
 */
export interface SubGhzOptions {
  clock: Clock;
  radio: SubGhzRadio;
  /** Sub GHz Devices accepted; SUB_GHZ_DEVICE_CAPACITY unless given. */
  capacity?: number;
  channelLogCapacity?: number;
}

export type ScanResult =
  | { assessment: ScanAssessment & { outcome: 'refused' } }
  | { assessment: { outcome: 'accepted' }; changedTo?: SubGhzChannel; keptBy?: 'margin' | 'frequencyAgility' };

/** The next level down from each level, and the GBCS alert for falling across that boundary. */
const FALL_ALERTS: Partial<Record<DutyCycleLevel, number>> = {
  limited: SUB_GHZ_ALERTS.belowNormalLimitedThreshold,
  critical: SUB_GHZ_ALERTS.belowLimitedCriticalThreshold,
  regulated: SUB_GHZ_ALERTS.belowCriticalRegulatedThreshold,
};
const RISE_ALERTS: Partial<Record<DutyCycleLevel, number>> = {
  critical: SUB_GHZ_ALERTS.criticalDutyCycleActionTaken,
  regulated: SUB_GHZ_ALERTS.regulatedDutyCycleActionTaken,
};

export function limitsFrom(configuration: SubGhzConfiguration): DutyCycleLimits {
  const s = configuration.settings;
  return {
    normalLimited: s.normalLimitedThreshold,
    limitedCritical: s.limitedCriticalThreshold,
    regulated: REGULATED_DUTY_CYCLE_LIMIT,
    device: s.deviceDutyCycleLimit,
    suspendMs: s.suspendPeriod * 60_000,
  };
}

export class SubGhzState extends EventEmitter<SubGhzEvents> {
  readonly capacity: number;
  private readonly clock: Clock;
  private readonly radio: SubGhzRadio;
  private readonly members = new Set<Eui64>();
  private channel: SubGhzChannel | null = null;
  private lastScanAt: number | undefined;
  private scanning = false;
  private timer: Timer | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly store: Store,
    private readonly domains: SubGhzDomains,
    private readonly channelLog: ChannelLog,
    private config: SubGhzConfiguration,
    private readonly dutyCycle: DutyCycleManager,
    options: SubGhzOptions,
  ) {
    super();
    this.clock = options.clock;
    this.radio = options.radio;
    this.capacity = options.capacity ?? SUB_GHZ_DEVICE_CAPACITY;
  }

  static async open(store: Store, options: SubGhzOptions): Promise<SubGhzState> {
    const capacity = options.capacity ?? SUB_GHZ_DEVICE_CAPACITY;
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`Sub GHz capacity ${capacity} is not a positive integer`);
    const domains = await openDomains(store);
    const channelLog = await ChannelLog.open(store, options.channelLogCapacity ?? CHANNEL_LOG_CAPACITY);
    const config = (await domains.configuration.get(CONFIGURATION_KEY)) ?? DEFAULT_CONFIGURATION;
    const state = new SubGhzState(store, domains, channelLog, config, new DutyCycleManager(limitsFrom(config)), options);
    state.channel = (await channelLog.latest())?.channel ?? null;
    state.lastScanAt = (await domains.scan.get(SCAN_KEY))?.at;
    for await (const [, member] of domains.members.entries()) {
      state.members.add(member.eui64);
      state.dutyCycle.addDevice(member.eui64);
    }
    for await (const [, pause] of domains.pauses.entries()) state.dutyCycle.restorePause(pause);
    await state.settle();
    return state;
  }

  // ---- DBCH01 / DBCH02 / DBCH03: reads ----

  /** DBCH01: the channel the hub operates on, or null before the Sub GHz network exists. */
  currentChannel(): SubGhzChannel | null {
    return this.channel && { ...this.channel };
  }

  /** DBCH02, oldest first. */
  readChannelLog(): Promise<ChannelLogEntry[]> {
    return this.channelLog.entries();
  }

  /** DBCH03. */
  configuration(): SubGhzConfiguration {
    return structuredClone(this.config);
  }

  dutyCycleLevel(): DutyCycleLevel {
    return this.dutyCycle.level;
  }

  pauseOf(eui64: Eui64): Pause | undefined {
    const pause = this.dutyCycle.pauseOf(eui64);
    return pause && this.clock.now() < pause.until ? pause : undefined;
  }

  /** Airtime (µs) in the hour ending now: a Device's, or the hub's own. */
  usage(eui64?: Eui64): number {
    const now = this.clock.now();
    return eui64 === undefined ? this.dutyCycle.hubUsage(now) : this.dutyCycle.deviceUsage(eui64, now);
  }

  // ---- DBCH04: set the configuration ----

  /** DBCH04: checked whole first (a bad value changes nothing), on disk, then DBCH09. */
  async setConfiguration(input: unknown): Promise<SubGhzConfiguration> {
    const next = checkConfiguration(input);
    return this.serial(async () => {
      await this.domains.configuration.put(CONFIGURATION_KEY, next);
      this.config = next;
      this.dutyCycle.setLimits(limitsFrom(next));
      const at = this.clock.now();
      this.emit('configurationChanged', { alertCode: SUB_GHZ_ALERTS.configurationChanged, at, configuration: structuredClone(next) });
      await this.apply(this.dutyCycle.tick(at));
      return structuredClone(next);
    });
  }

  // ---- channel: formed, scanned, changed ----

  /** The radio formed or restored the Sub GHz network on this channel: logged if it is news. */
  async adoptChannel(value: SubGhzChannel): Promise<void> {
    const channel = checkChannel(value);
    return this.serial(async () => {
      if (this.channel && this.channel.page === channel.page && this.channel.channel === channel.channel) return;
      await this.logChannel(channel, 'formed');
    });
  }

  /**
   * At start: a hub with no Sub GHz channel yet forms on the quietest allowed one (logged as
   * formed); one that has a channel puts the radio back on it, as a restarted NCP may not be.
   */
  async form(): Promise<SubGhzChannel> {
    return this.serial(async () => {
      if (this.channel) {
        await this.radio.setChannel(encodeChannel(this.channel));
        return { ...this.channel };
      }
      const allowed = allowedChannels(this.config);
      const readings = await this.radio.energyScan(channelValues(allowed), ENERGY_SCAN_DURATION_EXPONENT);
      const best = pickChannel(readEnergy(readings, allowed), null);
      if (!best) throw new SubGhzError('SUB_GHZ_CHANNEL_INVALID', 'the radio reported no energy for any allowed Sub GHz channel', { where: 'energyScan' });
      await this.radio.setChannel(encodeChannel(best.channel));
      await this.logChannel(best.channel, 'formed');
      return { ...best.channel };
    });
  }

  /** DBCH05: assess (DBCH08), then scan the allowed channels and move to a quieter one (DBCH07). */
  async requestScan(): Promise<ScanResult> {
    // A request during a scan is answered at once, not queued behind the scan it would duplicate.
    if (this.scanning) return this.refuseNow({ outcome: 'refused', reason: 'scanInProgress' });
    return this.serial(async () => {
      const now = this.clock.now();
      const assessment = assessScanRequest({
        now,
        lastScanAt: this.lastScanAt,
        minimumIntervalMs: this.config.settings.minimumScanInterval * 1000,
        level: this.dutyCycle.level,
        scanning: this.scanning,
      });
      if (assessment.outcome === 'accepted') await this.domains.scan.put(SCAN_KEY, { at: now });
      this.emit('scanRequestAssessed', { alertCode: SUB_GHZ_ALERTS.scanRequestAssessed, at: now, assessment });
      if (assessment.outcome === 'refused') return { assessment };
      this.lastScanAt = now;
      return { assessment, ...(await this.scan('scanRequested')) };
    });
  }

  private refuseNow(assessment: ScanAssessment & { outcome: 'refused' }): ScanResult {
    this.emit('scanRequestAssessed', { alertCode: SUB_GHZ_ALERTS.scanRequestAssessed, at: this.clock.now(), assessment });
    return { assessment };
  }

  /** The hub's own scan (interference seen); the same rules for moving, no DBCH08. */
  async scanForInterference(): Promise<Omit<ScanResult, 'assessment'>> {
    return this.serial(async () => {
      await this.domains.scan.put(SCAN_KEY, { at: this.clock.now() });
      this.lastScanAt = this.clock.now();
      return this.scan('interference');
    });
  }

  private async scan(reason: ChannelChangeReason): Promise<{ changedTo?: SubGhzChannel; keptBy?: 'margin' | 'frequencyAgility' }> {
    this.scanning = true;
    try {
      const allowed = allowedChannels(this.config);
      const readings = await this.radio.energyScan(channelValues(allowed), ENERGY_SCAN_DURATION_EXPONENT);
      const best = pickChannel(readEnergy(readings, allowed), this.channel);
      if (!best) return { keptBy: 'margin' };
      const now = this.clock.now();
      if ((await this.changesInLastDay(now)) >= this.config.settings.maxChannelChangesPerDay) {
        this.emit('channelKept', { alertCode: SUB_GHZ_ALERTS.channelNotChangedFrequencyAgility, at: now, quieter: best.channel });
        return { keptBy: 'frequencyAgility' };
      }
      await this.radio.setChannel(encodeChannel(best.channel));
      await this.logChannel(best.channel, reason);
      return { changedTo: { ...best.channel } };
    } finally {
      this.scanning = false;
    }
  }

  private async changesInLastDay(now: number): Promise<number> {
    const entries = await this.channelLog.entries();
    return entries.filter((e) => e.reason !== 'formed' && e.at > now - CHANNEL_CHANGE_COUNT_WINDOW_MS).length;
  }

  private async logChannel(channel: SubGhzChannel, reason: ChannelChangeReason): Promise<void> {
    const at = this.clock.now();
    await this.channelLog.append({ at, channel, reason });
    this.channel = { ...channel };
    this.emit('channelChanged', { alertCode: SUB_GHZ_ALERTS.channelChanged, at, channel: { ...channel } });
  }

  // ---- DBCH11: capacity ----

  /** May this Device join at Sub GHz? A new Device past capacity is refused with DBCH11. */
  async admitJoin(eui64Text: string): Promise<boolean> {
    const eui64 = this.parse(eui64Text);
    return this.serial(async () => {
      if (this.members.has(eui64)) return true;
      const at = this.clock.now();
      if (this.members.size >= this.capacity) {
        this.emit('capacityExhausted', { alertCode: SUB_GHZ_ALERTS.noMoreSubGhzCapacity, at, eui64 });
        return false;
      }
      await this.domains.members.put(eui64, { eui64, joinedAt: at });
      this.members.add(eui64);
      this.dutyCycle.addDevice(eui64);
      return true;
    });
  }

  /** The Device left the HAN (or the Device Log): its place and its pause go. */
  async deviceLeft(eui64Text: string): Promise<void> {
    const eui64 = this.parse(eui64Text);
    return this.serial(async () => {
      await this.store.batch().del(this.domains.members, eui64).del(this.domains.pauses, eui64).write();
      this.members.delete(eui64);
      this.dutyCycle.removeDevice(eui64);
    });
  }

  memberCount(): number {
    return this.members.size;
  }

  // ---- duty cycle: DBCH06, DBCH10 ----

  /** A frame the Device sent (PSDU octets). May pause it (DBCH06). */
  async deviceTransmitted(eui64Text: string, psduOctets: number): Promise<void> {
    const eui64 = this.parse(eui64Text);
    const micros = airtimeMicros(psduOctets);
    return this.serial(() => this.apply(this.dutyCycle.deviceTransmitted(eui64, micros, this.clock.now())));
  }

  /** Whether the hub may send a frame of this size now (false while it would pass the regulated limit). */
  mayHubTransmit(psduOctets: number): boolean {
    return this.dutyCycle.mayHubTransmit(airtimeMicros(psduOctets), this.clock.now());
  }

  /** A frame the hub sent. May move its level (and pause Devices). */
  async hubTransmitted(psduOctets: number): Promise<void> {
    const micros = airtimeMicros(psduOctets);
    return this.serial(() => this.apply(this.dutyCycle.hubTransmitted(micros, this.clock.now())));
  }

  /** A Remote Party command for this Device: false (and DBCH10) if the Device is paused. */
  admitCommand(eui64Text: string, command: DiscardedCommand): boolean {
    const eui64 = this.parse(eui64Text);
    const at = this.clock.now();
    if (!this.dutyCycle.isPaused(eui64, at)) return true;
    this.emit('commandDiscarded', { alertCode: SUB_GHZ_ALERTS.messageDiscardedDutyCycle, at, eui64, command: { ...command } });
    return false;
  }

  // ---- plumbing ----

  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    await this.tail.catch(() => undefined);
  }

  private parse(text: string): Eui64 {
    try {
      return parseEui64(text, 'eui64');
    } catch (error) {
      // Not repeating the text, as parseEui64 does not: its cause says what is wrong with it.
      throw new SubGhzError('SUB_GHZ_DEVICE_INVALID', 'not an EUI-64 (16 hex digits)', { where: 'eui64', cause: error });
    }
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new SubGhzError('SUB_GHZ_STATE_DAMAGED', 'the Sub GHz state is closed'));
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Turn duty-cycle decisions into store writes and events, then re-arm the timer. */
  private async apply(decisions: DutyCycleDecision[]): Promise<void> {
    for (const decision of decisions) {
      if (decision.kind === 'paused') await this.applyPause(decision.pause);
      else if (decision.kind === 'resumed') {
        await this.domains.pauses.del(decision.eui64);
        this.emit('deviceResumed', { at: decision.at, eui64: decision.eui64 });
      } else {
        const rising = DUTY_CYCLE_LEVELS.indexOf(decision.to) > DUTY_CYCLE_LEVELS.indexOf(decision.from);
        const alertCode = rising ? RISE_ALERTS[decision.to] : FALL_ALERTS[decision.from];
        this.emit('dutyCycleLevelChanged', { at: decision.at, from: decision.from, to: decision.to, ...(alertCode === undefined ? {} : { alertCode }) });
      }
    }
    this.arm();
  }

  private async applyPause(pause: Pause): Promise<void> {
    await this.domains.pauses.put(pause.eui64, pause);
    this.emit('devicePaused', { at: pause.since, eui64: pause.eui64, until: pause.until, cause: pause.cause });
    // A Critical pause reaches every Device at once and GBCS reports it once (0x8F22), not per Device.
    if (pause.cause !== 'critical') {
      this.emit('dutyCycleActionTaken', { alertCode: SUB_GHZ_ALERTS.limitedDutyCycleActionTaken, at: pause.since, eui64: pause.eui64 });
    }
  }

  private settle(): Promise<void> {
    return this.apply(this.dutyCycle.tick(this.clock.now()));
  }

  private arm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    const now = this.clock.now();
    const due = this.dutyCycle.nextDueAt(now);
    if (due === undefined || this.closed) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.serial(() => this.settle()).catch((error: unknown) => {
        this.emit('failed', { doing: 'ending duty-cycle pauses', error: error instanceof Error ? error : new Error(String(error)) });
      });
    }, Math.max(1, due - now));
  }
}
