import { EventEmitter } from 'node:events';
import type { Clock } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { jsonCodec, type Domain, type Store } from '../store/index.js';
import { TIME_STATUS_BITS, UNKNOWN_TIME, ZIGBEE_EPOCH_MS, toZigbeeTime, type TimeAttributeValues } from './attributes.js';
import { UK_DST_SHIFT_SECONDS, UK_TIME_ZONE_SECONDS, isUkDst, ukDstPeriod } from './uk-dst.js';

/**
 * The hub's time: it is the HAN's clock. It runs on the Clock seam, shifted by the offset of the
 * last explicit `setTime`. Only a set from an authoritative source (the WAN: GBCS time from the
 * DCC) makes it "synchronised", and only for `validityMs` after that set; otherwise it is a master
 * clock of lesser standing (when the system clock is trusted), or has no valid time at all.
 * A restart forgets the offset: the hub cannot know its clock kept time through a power cut.
 */
export const TIME_SOURCES = {
  wan: { authoritative: true, description: 'GBCS time from the DCC over the WAN' },
  ntp: { authoritative: false, description: 'a network time server' },
  manual: { authoritative: false, description: 'set by hand (installer, tests)' },
} as const;
export type TimeSource = keyof typeof TIME_SOURCES;

/** How long an authoritative set keeps the hub synchronised unless renewed. */
export const DEFAULT_TIME_VALIDITY_MS = 24 * 3600 * 1000;
const LATEST_MS = ZIGBEE_EPOCH_MS + (UNKNOWN_TIME - 1) * 1000;

export class TimeError extends HubError {}

export interface TimeStatus {
  master: boolean;
  synchronised: boolean;
  masterZoneDst: boolean;
  superseding: boolean;
}

interface LastSet {
  at: number;
  source: TimeSource;
}

function isLastSet(value: unknown): value is LastSet {
  const v = value as LastSet | null;
  return typeof v === 'object' && v !== null && Number.isFinite(v.at) && typeof v.source === 'string' && v.source in TIME_SOURCES;
}

export interface HubTimeOptions {
  store: Store;
  clock: Clock;
  /** The system clock is kept right (NTP, an RTC): serve it as master time before any set. */
  trustSystemClock?: boolean;
  validityMs?: number;
}

export interface HubTimeEvents {
  set: [change: { previous: number | undefined; now: number; source: TimeSource; authoritative: boolean }];
}

export class HubTime extends EventEmitter<HubTimeEvents> {
  private offsetMs: number | undefined;
  private authoritativeUntil: number | undefined;

  private constructor(
    private readonly clock: Clock,
    private readonly domain: Domain<LastSet>,
    private lastSet: LastSet | undefined,
    private readonly trustSystemClock: boolean,
    private readonly validityMs: number,
  ) {
    super();
  }

  static async open(options: HubTimeOptions): Promise<HubTime> {
    const domain = await options.store.domain({ name: 'hubTime', codec: jsonCodec<LastSet>(isLastSet) });
    const lastSet = await domain.get('lastSet');
    return new HubTime(options.clock, domain, lastSet, options.trustSystemClock ?? false, options.validityMs ?? DEFAULT_TIME_VALIDITY_MS);
  }

  /** UTC ms, or undefined while the hub has no time it may serve. */
  now(): number | undefined {
    if (this.offsetMs !== undefined) return this.clock.now() + this.offsetMs;
    return this.trustSystemClock ? this.clock.now() : undefined;
  }

  /** Set the hub's time (durably records when and from where). Only a `wan` set synchronises. */
  async setTime(utcMs: number, source: TimeSource): Promise<void> {
    if (!(source in TIME_SOURCES)) throw new TimeError('TIME_BAD_SOURCE', `"${String(source)}" is not one of ${Object.keys(TIME_SOURCES).join(', ')}`, { where: 'setTime' });
    if (!Number.isFinite(utcMs) || utcMs < ZIGBEE_EPOCH_MS || utcMs > LATEST_MS) {
      throw new TimeError('TIME_OUT_OF_RANGE', `${utcMs} is not a time ZigBee can carry (2000-01-01 to 2136)`, { where: 'setTime' });
    }
    const lastSet: LastSet = { at: utcMs, source };
    await this.domain.put('lastSet', lastSet);
    const previous = this.now();
    const { authoritative } = TIME_SOURCES[source];
    this.offsetMs = utcMs - this.clock.now();
    this.lastSet = lastSet;
    if (authoritative) this.authoritativeUntil = utcMs + this.validityMs;
    this.emit('set', { previous, now: utcMs, source, authoritative });
  }

  status(): TimeStatus {
    const now = this.now();
    const master = now !== undefined;
    const synchronised = now !== undefined && this.authoritativeUntil !== undefined && now < this.authoritativeUntil;
    return { master, synchronised, masterZoneDst: master, superseding: synchronised };
  }

  statusBits(): number {
    const status = this.status();
    return (Object.keys(TIME_STATUS_BITS) as Array<keyof TimeStatus>).reduce((bits, name) => (status[name] ? bits | TIME_STATUS_BITS[name] : bits), 0);
  }

  /** Every Time cluster attribute as the HAN reads it now. */
  attributes(): TimeAttributeValues {
    const now = this.now();
    const status = this.status();
    const known = (ms: number | undefined) => (ms === undefined ? UNKNOWN_TIME : toZigbeeTime(ms));
    const dst = now === undefined ? undefined : ukDstPeriod(new Date(now).getUTCFullYear());
    const time = known(now);
    const standard = time === UNKNOWN_TIME ? UNKNOWN_TIME : time + UK_TIME_ZONE_SECONDS;
    const local = standard === UNKNOWN_TIME ? UNKNOWN_TIME : standard + (isUkDst(now!) ? UK_DST_SHIFT_SECONDS : 0);
    return {
      time,
      timeStatus: this.statusBits(),
      timeZone: UK_TIME_ZONE_SECONDS,
      dstStart: known(dst?.start),
      dstEnd: known(dst?.end),
      dstShift: UK_DST_SHIFT_SECONDS,
      standardTime: standard,
      localTime: local,
      lastSetTime: known(this.lastSet?.at),
      validUntilTime: status.synchronised ? known(this.authoritativeUntil) : UNKNOWN_TIME,
    };
  }
}
