/**
 * The Clock seam. Everything that waits (ASH retransmission, join windows, queue expiry,
 * future-dated firmware activation) asks a Clock, so tests can move time instead of sleeping.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** A monotonic reading in milliseconds, for measuring intervals; unaffected by setting the time. */
  monotonic(): number;
  setTimeout(callback: () => void, delayMs: number): Timer;
  sleep(delayMs: number): Promise<void>;
}

export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    const handle = setTimeout(callback, delayMs);
    return { cancel: () => clearTimeout(handle) };
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, delayMs));
  }
}

interface PendingTimer {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that only moves when told to. Timers fire in due order during `advance`, each seeing
 * `now()` equal to its due time, exactly as they would have in real time.
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly startedAt: number;
  private seq = 0;
  private pending: PendingTimer[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
    this.startedAt = startMs;
  }

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return this.current - this.startedAt;
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    const timer: PendingTimer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, callback, cancelled: false };
    this.pending.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, delayMs));
  }

  /** Move time forward, firing every timer that falls due on the way (and any they schedule). */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      this.pending = this.pending.filter((t) => !t.cancelled);
      const next = this.pending
        .filter((t) => t.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.pending.splice(this.pending.indexOf(next), 1);
      this.current = next.at;
      next.callback();
      // Let promise continuations that the callback released run before the next timer.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.current = target;
  }

  /** Set the wall clock (as a WAN time sync would); pending timers keep their due times. */
  set(ms: number): void {
    this.current = ms;
  }

  pendingTimers(): number {
    return this.pending.filter((t) => !t.cancelled).length;
  }
}
