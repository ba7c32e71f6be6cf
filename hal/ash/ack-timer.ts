import type { Clock, Timer } from '../clock.js';

export interface AckTimerSettings {
  initMs: number;
  minMs: number;
  maxMs: number;
}

/**
 * The adaptive acknowledgement timer t_rx_ack (UG101 §5.4): it runs while DATA frames wait for an
 * ACK. Each timely ACK pulls the period towards the observed delay (7/8 of the old period plus 1/2
 * of the measured time, as EmberZNet does, which leaves headroom over the mean); each expiry doubles
 * it. The period stays within [minMs, maxMs].
 */
export class AckTimer {
  private period: number;
  private timer: Timer | undefined;
  private startedAt = 0;

  constructor(
    private readonly clock: Clock,
    private readonly settings: AckTimerSettings,
    private readonly onExpiry: () => void,
  ) {
    this.period = settings.initMs;
  }

  get periodMs(): number {
    return this.period;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    this.stop();
    this.startedAt = this.clock.monotonic();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.onExpiry();
    }, this.period);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** An ACK arrived for a frame sent once only (a retransmitted one says nothing about the delay). */
  acknowledged(): void {
    if (!this.timer) return;
    const elapsed = this.clock.monotonic() - this.startedAt;
    this.setPeriod((this.period * 7) / 8 + elapsed / 2);
  }

  expired(): void {
    this.setPeriod(this.period * 2);
  }

  reset(): void {
    this.stop();
    this.period = this.settings.initMs;
  }

  private setPeriod(ms: number): void {
    this.period = Math.min(this.settings.maxMs, Math.max(this.settings.minMs, Math.round(ms)));
  }
}
