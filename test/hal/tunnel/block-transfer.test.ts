import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockReassembler, decodeBlock, encodeBlock, isBlockTransfer, splitIntoBlocks, type Block, type RoutingHeader } from '../../../hal/tunnel/block-transfer.js';
import { TunnelError } from '../../../hal/tunnel/errors.js';

const eui = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((bytes) => Buffer.from(bytes).toString('hex').toUpperCase());
const routing: fc.Arbitrary<RoutingHeader> = fc.record({
  craFlag: fc.constantFrom(1, 2, 3),
  originatorCounter: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  originator: eui,
  target: eui,
  messageCode: fc.integer({ min: 0, max: 0xffff }),
});
const block: fc.Arbitrary<Block> = fc.record({
  routing,
  last: fc.boolean(),
  streaming: fc.boolean(),
  window: fc.integer({ min: 0, max: 0x3f }),
  number: fc.integer({ min: 1, max: 0xffff }),
  acknowledged: fc.integer({ min: 0, max: 0xffff }),
  data: fc.uint8Array({ maxLength: 1400 }).map((bytes) => Buffer.from(bytes)),
});

describe('General Block Transfer blocks', () => {
  it('decode to what was encoded, and are told apart from whole GBCS messages', () => {
    fc.assert(
      fc.property(block, (original) => {
        const bytes = encodeBlock(original);
        expect(isBlockTransfer(bytes)).toBe(true);
        expect(decodeBlock(bytes)).toEqual(original);
      }),
    );
    // A whole message's MAC header starts DD 00 (its transaction id is in the grouping header).
    expect(isBlockTransfer(Buffer.from('DD000000000000820074', 'hex'))).toBe(false);
  });

  it('put a message cut into blocks together again, whatever order and repeats the blocks arrive in', () => {
    fc.assert(
      fc.property(routing, fc.uint8Array({ minLength: 1, maxLength: 5000 }), fc.integer({ min: 1, max: 1400 }), fc.infiniteStream(fc.nat()), (header, bytes, size, picks) => {
        const message = Buffer.from(bytes);
        const blocks = splitIntoBlocks(message, header, size);
        const order = blocks.map((b, i) => ({ b, key: picks.next().value as number, i })).sort((x, y) => x.key - y.key || x.i - y.i);
        const reassembler = new BlockReassembler();
        const results = [...order, order[0]!].map(({ b }) => reassembler.accept(decodeBlock(b)));
        expect(results.filter((r) => r !== undefined)).toEqual([message]);
      }),
      { numRuns: 50 },
    );
  });

  it('waits for every block up to the last, whatever stray block numbers beyond it arrive', () => {
    const routing = { craFlag: 1, originatorCounter: 9n, originator: '90B3D51F30000002', target: '00DB1234567890A0', messageCode: 0x000b };
    const block = (number: number, last: boolean) => decodeBlock(encodeBlock({ routing, last, streaming: false, window: 0, number, acknowledged: 0, data: Buffer.of(number) }));
    const reassembler = new BlockReassembler();
    expect(reassembler.accept(block(1, false))).toBeUndefined();
    expect(reassembler.accept(block(5, false))).toBeUndefined();
    expect(reassembler.accept(block(3, true))).toBeUndefined();
    expect(reassembler.accept(block(2, false))).toEqual(Buffer.of(1, 2, 3));
  });

  it('refuses every cut-short or lengthened block with a TunnelError naming an offset inside it', () => {
    fc.assert(
      fc.property(block, fc.nat(), (original, cut) => {
        const bytes = encodeBlock(original);
        for (const bad of [bytes.subarray(0, cut % bytes.length), Buffer.concat([bytes, Buffer.of(0)])]) {
          let error: unknown;
          try {
            decodeBlock(bad);
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(TunnelError);
          const offset = (error as TunnelError).offset;
          expect(offset === undefined || offset <= bad.length).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a block numbered 0 and a CRA or length it does not know', () => {
    const good = encodeBlock({ routing: { craFlag: 1, originatorCounter: 7n, originator: '90B3D51F30000002', target: '00DB1234567890A0', messageCode: 0x000b }, last: true, streaming: false, window: 1, number: 1, acknowledged: 0, data: Buffer.from('0102', 'hex') });
    const zero = Buffer.from(good);
    zero.writeUInt16BE(0, good.length - 7);
    expect(() => decodeBlock(zero)).toThrowError(/numbered from 1/);
    const tag = Buffer.from(good);
    tag[good.length - 9] = 0xe1;
    expect(() => decodeBlock(tag)).toThrowError(TunnelError);
  });
});
