import type { Clock } from '../../hal/clock.js';
import { HUB_EVENTS } from '../logs/event-codes.js';
import type { SecurityLog } from '../logs/hub-logs.js';
import { REFUSAL_SECURITY_EVENT, type Refusal } from './refusal.js';

/**
 * Writes refusals to the Security Log without letting a flood of bad messages push the older
 * entries out of it (it keeps 100): past `burstLimit` attacks in a minute, one "unusual numbers
 * of malformed, out-of-order or unexpected commands" entry stands for the rest of that minute.
 */
export const REFUSAL_WINDOW_MS = 60_000;
export const REFUSAL_BURST_LIMIT = 20;
const MAX_WHERE = 120;

export class RefusalRecorder {
  private windowStart = Number.NEGATIVE_INFINITY;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly log: Pick<SecurityLog, 'record'>,
    private readonly clock: Clock,
    private readonly burstLimit = REFUSAL_BURST_LIMIT,
  ) {}

  /** Resolves once written (or counted); rejects only if the log cannot be written. */
  async record(refusal: Refusal): Promise<void> {
    const code = REFUSAL_SECURITY_EVENT[refusal.code];
    if (code === undefined) return;
    const now = this.clock.now();
    if (now - this.windowStart >= REFUSAL_WINDOW_MS) {
      this.windowStart = now;
      this.inWindow = 0;
      this.suppressed = 0;
    }
    this.inWindow++;
    if (this.inWindow <= this.burstLimit) {
      // Log details are bounded; a long byte path must not cost the entry itself.
      const where = refusal.where === undefined ? null : refusal.where.slice(0, MAX_WHERE);
      await this.log.record(code, { reason: refusal.code, where });
      return;
    }
    this.suppressed++;
    if (this.suppressed === 1) await this.log.record(HUB_EVENTS.unusualCommands.code, { refusedInLastMinute: this.inWindow, limit: this.burstLimit });
  }
}
