import type { Clock } from '../../hal/clock.js';
import { HUB_EVENTS, type SecurityLog } from '../logs/index.js';
import { REFUSAL_SECURITY_EVENT, UNAUTHENTICATED_REFUSALS, type Refusal } from './refusal.js';

/**
 * Writes refusals to the Security Log without letting a flood of bad messages push the older
 * entries out of it (it keeps 100). Refusals anyone can cause (no valid MAC or signature) and those
 * from trusted parties (a replay, a missing authority) have separate budgets, so junk can neither
 * hide a real replay nor wipe the log: past its budget, one "unusual numbers of malformed,
 * out-of-order or unexpected commands" entry stands for the rest of that budget's window.
 */
export const REFUSAL_WINDOW_MS = 60_000;
export const REFUSAL_BURST_LIMIT = 20;
/** Unauthenticated refusals: at most this many entries an hour, so junk alone takes days to fill the log. */
export const UNAUTHENTICATED_WINDOW_MS = 3_600_000;
export const UNAUTHENTICATED_LIMIT = 10;
const MAX_WHERE = 120;

/** One budget: so many entries per window, then one summary entry. */
export class Budget {
  private windowStart = Number.NEGATIVE_INFINITY;
  private inWindow = 0;

  constructor(
    readonly windowMs: number,
    readonly limit: number,
  ) {}

  /** 'record', 'summarise' (the first one over the limit), or 'count'. */
  take(now: number): { verdict: 'record' | 'summarise' | 'count'; inWindow: number } {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    this.inWindow++;
    const verdict = this.inWindow <= this.limit ? 'record' : this.inWindow === this.limit + 1 ? 'summarise' : 'count';
    return { verdict, inWindow: this.inWindow };
  }
}

export class RefusalRecorder {
  private readonly trusted: Budget;
  private readonly untrusted = new Budget(UNAUTHENTICATED_WINDOW_MS, UNAUTHENTICATED_LIMIT);

  constructor(
    private readonly log: Pick<SecurityLog, 'record'>,
    private readonly clock: Clock,
    burstLimit = REFUSAL_BURST_LIMIT,
  ) {
    this.trusted = new Budget(REFUSAL_WINDOW_MS, burstLimit);
  }

  /** Resolves once written (or counted); rejects only if the log cannot be written. */
  async record(refusal: Refusal): Promise<void> {
    const code = REFUSAL_SECURITY_EVENT[refusal.code];
    if (code === undefined) return;
    const budget = UNAUTHENTICATED_REFUSALS.has(refusal.code) ? this.untrusted : this.trusted;
    const { verdict, inWindow } = budget.take(this.clock.now());
    if (verdict === 'record') {
      // Log details are bounded; a long byte path must not cost the entry itself.
      const where = refusal.where === undefined ? null : refusal.where.slice(0, MAX_WHERE);
      await this.log.record(code, { reason: refusal.code, where });
      return;
    }
    if (verdict === 'summarise') {
      const unauthenticated = budget === this.untrusted;
      await this.log.record(HUB_EVENTS.unusualCommands.code, { refusedInWindow: inWindow, limit: budget.limit, windowMinutes: budget.windowMs / 60_000, unauthenticated });
    }
  }
}
