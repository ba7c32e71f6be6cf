import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import {
  ackedBlocks,
  decodeAckGroupId,
  decodeBlockGroupId,
  encodeAckGroupId,
  encodeBlockGroupId,
  FragmentationError,
  frameLimits,
  Reassembler,
  splitIntoBlocks,
  windowOf,
  type BlockVerdict,
  type ReassemblyLoss,
} from '../../../hal/ezsp/fragmentation.js';

/** The APS fragmentation codec and the reassembler, by property: any order, any copies, any gaps. */

const { blockSize } = frameLimits(true);
/** Lengths spread evenly up to past a GB tunnel transfer, so most payloads need several blocks. */
const payloadsOf = (min: number) => fc.integer({ min, max: 1600 }).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })).map((a) => Buffer.from(a));
const payloads = payloadsOf(1);

function blocksOf(payload: Buffer): Array<{ groupId: number; data: Buffer }> {
  const blocks = splitIntoBlocks(payload, blockSize);
  return blocks.map((data, index) => ({ groupId: encodeBlockGroupId({ index, total: blocks.length }), data }));
}

describe('block numbering', () => {
  it('splits into blocks that join back to the payload, each numbered with its index and the count', () => {
    fc.assert(
      fc.property(payloads, fc.integer({ min: 1, max: 120 }), (payload, size) => {
        if (Math.ceil(payload.length / size) > 255) {
          expect(() => splitIntoBlocks(payload, size)).toThrow(expect.objectContaining({ code: 'FRAGMENT_TOO_LONG' }));
          return;
        }
        const blocks = splitIntoBlocks(payload, size);
        expect(Buffer.concat(blocks)).toEqual(payload);
        expect(blocks.every((b) => b.length <= size && b.length > 0)).toBe(true);
        blocks.forEach((_, index) => expect(decodeBlockGroupId(encodeBlockGroupId({ index, total: blocks.length }))).toEqual({ index, total: blocks.length }));
      }),
    );
  });

  it('puts a 1,500-octet GB tunnel transfer in 22 encrypted blocks of 71 octets', () => {
    expect(frameLimits(true)).toEqual({ singleFrame: 73, blockSize: 71 });
    expect(frameLimits(false)).toEqual({ singleFrame: 82, blockSize: 80 });
    expect(splitIntoBlocks(Buffer.alloc(1500), blockSize)).toHaveLength(22);
  });

  it('refuses what 255 blocks cannot carry, and group ids that name no block', () => {
    expect(() => splitIntoBlocks(Buffer.alloc(255 * 10 + 1), 10)).toThrow(expect.objectContaining({ code: 'FRAGMENT_TOO_LONG' }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), (groupId) => {
        const index = groupId & 0xff;
        const total = groupId >> 8;
        if (total === 0 || index >= total) expect(() => decodeBlockGroupId(groupId)).toThrow(FragmentationError);
        else expect(decodeBlockGroupId(groupId)).toEqual({ index, total });
      }),
    );
  });

  it('acknowledgements carry the window start and a bitmask of its blocks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xff }), fc.integer({ min: 0, max: 0xff }), (first, mask) => {
        const ack = decodeAckGroupId(encodeAckGroupId({ first, mask }));
        expect(ack).toEqual({ first, mask });
        expect(ackedBlocks(ack)).toHaveLength([...mask.toString(2)].filter((b) => b === '1').length);
      }),
    );
    expect(ackedBlocks({ first: 8, mask: 0b1011 })).toEqual([8, 9, 11]);
  });
});

describe('reassembly', () => {
  it('gives back the payload exactly once whatever the order and copies of its blocks, and acknowledges every window', () => {
    fc.assert(
      fc.property(
        payloads.chain((payload) => {
          const count = blocksOf(payload).length;
          // Every block at least once, some twice, in any order.
          const arrivals = fc.array(fc.nat({ max: count - 1 }), { maxLength: count }).chain((extra) => fc.shuffledSubarray([...Array(count).keys(), ...extra], { minLength: count + extra.length }));
          return fc.tuple(fc.constant(payload), arrivals);
        }),
        ([payload, order]) => {
          const reassembler = new Reassembler({ clock: new ManualClock() });
          const blocks = blocksOf(payload);
          const verdicts: BlockVerdict[] = order.map((i) => reassembler.accept('0x1234', 7, blocks[i]!.groupId, blocks[i]!.data));
          const complete = verdicts.filter((v) => v.kind === 'complete');
          expect(complete).toHaveLength(1);
          expect(complete[0]!.kind === 'complete' && complete[0]!.payload).toEqual(payload);
          // After completion, copies are duplicates and are acknowledged again (the sender may have missed the ack).
          const after = verdicts.slice(verdicts.indexOf(complete[0]!) + 1);
          expect(after.every((v) => v.kind === 'duplicate' && v.ack !== undefined)).toBe(true);
          const acked = new Set(verdicts.flatMap((v) => (v.kind !== 'refused' && v.ack ? ackedBlocks(v.ack) : [])));
          expect([...acked].sort((a, b) => a - b)).toEqual([...blocks.keys()]);
          expect(reassembler.size).toBe(0);
        },
      ),
    );
  });

  it('acknowledges a window only once it holds every block of it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 40 }), fc.integer({ min: 1, max: 8 }), (count, window) => {
        const reassembler = new Reassembler({ clock: new ManualClock(), window });
        const held = new Set<number>();
        for (let index = count - 1; index >= 0; index--) {
          const verdict = reassembler.accept('a', 1, encodeBlockGroupId({ index, total: count }), Buffer.of(index));
          held.add(index);
          const { first, size } = windowOf(index, count, window);
          const whole = Array.from({ length: size }, (_, i) => first + i).every((i) => held.has(i));
          expect(verdict.kind !== 'refused' && verdict.ack !== undefined).toBe(whole);
          if (whole && verdict.kind !== 'refused') expect(ackedBlocks(verdict.ack!)).toEqual(Array.from({ length: size }, (_, i) => first + i));
        }
      }),
    );
  });

  it('reports a message with missing blocks as lost after the timeout, and delivers nothing of it', async () => {
    await fc.assert(
      fc.asyncProperty(
        payloadsOf(blockSize + 1),
        fc.func(fc.boolean()),
        async (payload, keep) => {
          const clock = new ManualClock();
          const reassembler = new Reassembler({ clock, timeoutMs: 5000 });
          const lost: ReassemblyLoss[] = [];
          reassembler.on('lost', (loss) => lost.push(loss));
          const blocks = blocksOf(payload);
          const sent = blocks.filter((_, i) => i === 0 || keep(i));
          if (sent.length === blocks.length) sent.pop();
          const verdicts = sent.map((b) => reassembler.accept('s', 3, b.groupId, b.data));
          expect(verdicts.some((v) => v.kind === 'complete')).toBe(false);
          await clock.advance(4999);
          expect(lost).toEqual([]);
          await clock.advance(1);
          expect(lost).toEqual([{ sender: 's', sequence: 3, received: sent.length, total: blocks.length, reason: 'not whole within 5000 ms' }]);
          expect(reassembler.size).toBe(0);
          // The missing block arriving late starts a new message; it does not complete the old one.
          const missing = blocks.find((b) => !sent.includes(b))!;
          expect(reassembler.accept('s', 3, missing.groupId, missing.data).kind).not.toBe('complete');
        },
      ),
      { numRuns: 50 },
    );
  });

  it('keeps at most maxMessages partial messages and refuses one too long, reporting it lost', () => {
    const reassembler = new Reassembler({ clock: new ManualClock(), maxMessages: 2, maxLength: 100 });
    const lost: ReassemblyLoss[] = [];
    reassembler.on('lost', (loss) => lost.push(loss));
    const three = (index: number) => encodeBlockGroupId({ index, total: 3 });
    expect(reassembler.accept('a', 1, three(0), Buffer.alloc(10)).kind).toBe('partial');
    expect(reassembler.accept('b', 1, three(0), Buffer.alloc(10)).kind).toBe('partial');
    expect(reassembler.accept('c', 1, three(0), Buffer.alloc(10))).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/already putting 2/) });
    expect(reassembler.accept('a', 1, three(1), Buffer.alloc(91))).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/longer than 100/) });
    expect(lost).toEqual([expect.objectContaining({ sender: 'a', received: 1, total: 3 })]);
    expect(reassembler.size).toBe(1);
    expect(reassembler.accept('x', 1, 0x0005, Buffer.alloc(1))).toMatchObject({ kind: 'refused' });
  });

  it('does not mistake a new message for an old one once the APS counter comes round after the timeout', async () => {
    const clock = new ManualClock();
    const reassembler = new Reassembler({ clock, timeoutMs: 1000 });
    const two = (index: number) => encodeBlockGroupId({ index, total: 2 });
    reassembler.accept('a', 9, two(0), Buffer.from('ol'));
    expect(reassembler.accept('a', 9, two(1), Buffer.from('d'))).toMatchObject({ kind: 'complete', payload: Buffer.from('old') });
    expect(reassembler.accept('a', 9, two(1), Buffer.from('d')).kind).toBe('duplicate');
    await clock.advance(1001);
    reassembler.accept('a', 9, two(0), Buffer.from('ne'));
    expect(reassembler.accept('a', 9, two(1), Buffer.from('w'))).toMatchObject({ kind: 'complete', payload: Buffer.from('new') });
  });
});
