import type { Clock, Timer } from '../../hal/clock.js';

/**
 * A fake Clock for a whole running hub: time passes as it really does (so ASH, EZSP and MQTT keep
 * their own pace), and `jump` moves it forward at once, firing every timer that falls due, as a
 * day going by would. What waits on the Clock cannot tell the jump from the day.
 */
export class JumpClock implements Clock {
  private offset = 0;
  private readonly pending = new Set<{ at: number; fire: () => void; handle: NodeJS.Timeout }>();

  now(): number {
    return Date.now() + this.offset;
  }

  monotonic(): number {
    return performance.now() + this.offset;
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    const timer = {
      at: this.now() + Math.max(0, delayMs),
      fire: () => {
        clearTimeout(timer.handle);
        if (this.pending.delete(timer)) callback();
      },
      handle: setTimeout(() => timer.fire(), Math.max(0, delayMs)),
    };
    this.pending.add(timer);
    return { cancel: () => (clearTimeout(timer.handle), this.pending.delete(timer)) };
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, delayMs));
  }

  /** Move time forward by `ms` now: timers due by then fire, in order. */
  jump(ms: number): void {
    this.offset += ms;
    const due = [...this.pending].filter((timer) => timer.at <= this.now()).sort((a, b) => a.at - b.at);
    for (const timer of due) timer.fire();
  }
}
