import { SUB_GHZ_BIT_RATE_BPS, SUB_GHZ_MAX_PSDU_OCTETS, SUB_GHZ_PHY_OVERHEAD_OCTETS } from './constants.js';
import { SubGhzError } from './errors.js';

const OVERHEAD = SUB_GHZ_PHY_OVERHEAD_OCTETS.preamble + SUB_GHZ_PHY_OVERHEAD_OCTETS.startOfFrameDelimiter + SUB_GHZ_PHY_OVERHEAD_OCTETS.phyHeader;

/**
 * Microseconds on air for one frame of `psduOctets` (the MAC frame, FCS included) plus the PHY's
 * own octets. Whole microseconds (rounded up) so sums over an hour never drift.
 */
export function airtimeMicros(psduOctets: number, where = 'frame'): number {
  if (!Number.isInteger(psduOctets) || psduOctets < 1 || psduOctets > SUB_GHZ_MAX_PSDU_OCTETS) {
    throw new SubGhzError('SUB_GHZ_FRAME_INVALID', `${String(psduOctets)} is not a frame length (1..${SUB_GHZ_MAX_PSDU_OCTETS} octets)`, { where });
  }
  return Math.ceil(((psduOctets + OVERHEAD) * 8 * 1_000_000) / SUB_GHZ_BIT_RATE_BPS);
}

/** Airtime allowed in a window for a duty cycle given in hundredths of a percent. */
export function budgetMicros(hectoPercent: number, windowMs: number): number {
  return Math.floor((hectoPercent * windowMs * 1000) / 10_000);
}

/**
 * One transmitter's airtime over a sliding window: a transmission at `at` counts until
 * `at + windowMs`. Entries arrive in time order (the clock is monotonic for the caller).
 */
export class AirtimeWindow {
  private entries: Array<{ at: number; micros: number }> = [];
  /** Entries before `head` have left the window; they are cut away in bulk, not one shift at a time. */
  private head = 0;
  private total = 0;

  constructor(private readonly windowMs: number) {}

  add(at: number, micros: number): void {
    this.prune(at);
    this.entries.push({ at, micros });
    this.total += micros;
  }

  prune(now: number): void {
    const oldest = now - this.windowMs;
    while (this.head < this.entries.length && (this.entries[this.head] as { at: number }).at <= oldest) {
      this.total -= (this.entries[this.head] as { micros: number }).micros;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** Airtime within the window ending at `now`. */
  used(now: number): number {
    this.prune(now);
    return this.total;
  }

  /** The earliest time at or after `now` at which the window holds less than `limit`. */
  whenBelow(limit: number, now: number): number {
    let total = this.used(now);
    if (total < limit) return now;
    for (let i = this.head; i < this.entries.length; i++) {
      const entry = this.entries[i] as { at: number; micros: number };
      total -= entry.micros;
      if (total < limit) return entry.at + this.windowMs;
    }
    return now;
  }

  get empty(): boolean {
    return this.head >= this.entries.length;
  }
}
