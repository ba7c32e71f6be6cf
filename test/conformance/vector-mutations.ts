import fc from 'fast-check';
import { expect } from 'vitest';
import { decodeMessage } from '../../src/gbcs/index.js';
import type { Vector } from '../helpers/rtds.js';
import { ConformanceHub, RTDS_IDENTITY, type HarnessOptions } from './harness.js';
import { stateOf } from './vector-runner.js';

/**
 * Every mutation of an authentic RTDS command (one bit flipped anywhere, or the message cut short)
 * is refused: the hub drops it, its state is as it was, and the originator's counter is not taken.
 * The hub is in the state the vector implies (or `state`), so the command itself would be carried out.
 */
const GPF_AND_SUB_GHZ_DOMAINS = [
  { name: 'gpfRegisters', personal: true },
  { name: 'gpfSettings', personal: true },
  { name: 'gpfDailyConsumptionLog', personal: true },
  { name: 'gpfDeviceLog' },
  { name: 'subGhzConfiguration' },
  { name: 'subGhzChannelLog' },
];

type Mutation = { kind: 'flip'; at: number; bit: number } | { kind: 'cut'; length: number };

function mutate(original: Buffer, mutation: Mutation): Buffer {
  if (mutation.kind === 'cut') return original.subarray(0, mutation.length);
  const copy = Buffer.from(original);
  copy[mutation.at] = copy[mutation.at]! ^ (1 << mutation.bit);
  return copy;
}

export async function expectEveryMutationRefused(command: Vector, state?: HarnessOptions, numRuns = 40): Promise<void> {
  const { header } = decodeMessage(command.bytes, { allowUnknownMessageCode: true });
  const options = state ?? stateOf(command, header.recipient === RTDS_IDENTITY.gpf ? RTDS_IDENTITY.gpf : RTDS_IDENTITY.chf);
  if (!options) throw new Error(`${command.name}: no state written down for ${command.useCase}_${command.outcome} (chf-seeds.ts, gpf-seeds.ts)`);
  const harness = await ConformanceHub.open({ ...options, domains: [...(options.domains ?? []), ...GPF_AND_SUB_GHZ_DOMAINS] });
  try {
    const before = await harness.snapshot();
    const counter = harness.hub.counters.lastAccepted(header.originator);
    const original = command.bytes;
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(original.length - 1), bit: fc.nat(7) }),
      fc.record({ kind: fc.constant('cut' as const), length: fc.nat(original.length - 1) }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (change) => {
        const outcome = await harness.process(mutate(original, change));
        expect(outcome.kind, JSON.stringify(change)).toBe('dropped');
        expect(harness.hub.counters.lastAccepted(header.originator)).toBe(counter);
        expect(await harness.snapshot()).toEqual(before);
      }),
      { numRuns },
    );
  } finally {
    await harness.close();
  }
}
