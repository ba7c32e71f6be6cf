import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LinkDefaults } from '../../../hal/ash/constants.js';
import { seededRandom } from './helpers.js';
import { noisyRun, spreadFaults, type Fault, type Framing, type NoisyRun } from './noisy-line.js';

/**
 * A noisy line must cost the link frames in proportion to the damage, never feed on its own
 * answers. Each fault may earn one NAK or ACK from the receiver and one go-back (the window) from the
 * sender, each frame of which may earn an ACK; everything beyond that is a storm.
 */
const W = LinkDefaults.window;
const PER_FAULT = W + 1;

/** Each end sends its DATA and at most an ACK for each DATA it receives, plus the cost of the faults. */
function budget(run: NoisyRun, toHost: number, toNcp: number): number {
  return toHost + toNcp + PER_FAULT * (run.faults.toHost + run.faults.toNcp) + 2;
}

function withinBudget(run: NoisyRun, toHost: number, toNcp: number): void {
  expect(run.failed).toBeUndefined();
  expect(run.delivered).toEqual({ toHost, toNcp });
  expect(run.sent.ncp).toBeLessThanOrEqual(budget(run, toHost, toNcp));
  expect(run.sent.host).toBeLessThanOrEqual(budget(run, toHost, toNcp));
}

describe('AshEndpoint frame budget on a line that drops bytes towards the host', () => {
  // Seeds and rates at which the Flag-delimited chunks once set off a storm of NAKs and go-backs.
  const cases: Array<[Framing, number, number]> = [
    ['ash', 300, 4],
    ['ash', 100, 1],
    ['raw', 300, 4],
    ['raw', 100, 1],
  ];
  for (const [framing, oneIn, seed] of cases) {
    it(`with ${framing} framing, 1 byte in ${oneIn} dropped, 300 frames to the host cost frames in proportion`, async () => {
      const faultsToHost = spreadFaults(seededRandom(seed), oneIn, 20_000);
      const run = await noisyRun({ framing, toHost: 300, toNcp: 0, faultsToHost });
      withinBudget(run, 300, 0);
    });
  }
});

/** Faults at a rate over the first `span` bytes (a noisy stretch of line), and a few anywhere in it. */
const faultPattern = (span: number) =>
  fc
    .tuple(
      fc.integer({ min: 20, max: 400 }),
      fc.integer(),
      fc.array(fc.tuple(fc.nat(span - 1), fc.constantFrom<Fault>('drop', 'corrupt')), { maxLength: 10 }),
    )
    .map(([oneIn, seed, scattered]) => new Map([...spreadFaults(seededRandom(seed), oneIn, span, ['drop', 'corrupt']), ...scattered]));

describe('AshEndpoint frame budget, property', () => {
  it('for any drops and corruptions either way, each end sends frames within its budget and everything arrives once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Framing>('ash', 'raw'),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 60 }),
        faultPattern(6000),
        faultPattern(2000),
        async (framing, toHost, toNcp, faultsToHost, faultsToNcp) => {
          const run = await noisyRun({ framing, toHost, toNcp, faultsToHost, faultsToNcp });
          expect(run.sent.ncp).toBeLessThanOrEqual(budget(run, toHost, toNcp));
          expect(run.sent.host).toBeLessThanOrEqual(budget(run, toHost, toNcp));
          // A stretch at 1 byte in 20 can cost ACK_TIMEOUTS retransmissions in a row; the budget holds regardless.
          if (run.failed === undefined) expect(run.delivered).toEqual({ toHost, toNcp });
        },
      ),
      { numRuns: 40 },
    );
  });
});
