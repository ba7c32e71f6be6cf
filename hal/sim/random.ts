/**
 * A small seeded pseudo-random source (mulberry32), so a run that injected a fault can be run
 * again with the same seed and fail in exactly the same place. Not for keys: link keys the
 * simulated trust centre hands out come from node:crypto.
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, bound). */
  below(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** True with probability 1 / `n`; never when `n` is 0 (the fault is off). */
  oneIn(n: number): boolean {
    return n > 0 && this.below(n) === 0;
  }
}
