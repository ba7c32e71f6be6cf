import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../hal/clock.js';

describe('ManualClock', () => {
  it('fires timers in due order, each seeing its own due time', async () => {
    const clock = new ManualClock(1_000);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['b', clock.now()]), 200);
    clock.setTimeout(() => seen.push(['a', clock.now()]), 100);
    const cancelled = clock.setTimeout(() => seen.push(['never', clock.now()]), 150);
    cancelled.cancel();
    await clock.advance(150);
    expect(seen).toEqual([['a', 1_100]]);
    await clock.advance(100);
    expect(seen).toEqual([
      ['a', 1_100],
      ['b', 1_200],
    ]);
    expect(clock.now()).toBe(1_250);
  });

  it('fires timers scheduled by timers within the same advance', async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    clock.setTimeout(() => {
      seen.push(clock.now());
      clock.setTimeout(() => seen.push(clock.now()), 10);
    }, 10);
    await clock.advance(25);
    expect(seen).toEqual([10, 20]);
  });

  it('resolves sleep only when time reaches it', async () => {
    const clock = new ManualClock(0);
    let woke = false;
    const sleeping = clock.sleep(50).then(() => (woke = true));
    await clock.advance(49);
    expect(woke).toBe(false);
    await clock.advance(1);
    await sleeping;
    expect(woke).toBe(true);
  });
});
