import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HubError } from '../../../hal/errors.js';
import { decodeChannel, decodeMask, encodeChannel, encodeMask, fromBits, toBits, type SubGhzPage } from '../../../src/subghz/channel.js';
import { SubGhzError } from '../../../src/subghz/errors.js';

describe('Sub GHz channels and masks', () => {
  it('reads the page from the top 5 bits and the channel from the one bit set below them', () => {
    expect(decodeChannel(0xe000_0001)).toEqual({ page: 28, channel: 0 });
    expect(decodeChannel(0xe800_0100)).toEqual({ page: 29, channel: 8 });
    expect(decodeChannel(0xfc00_0000)).toEqual({ page: 31, channel: 26 });
    expect(encodeChannel({ page: 30, channel: 3 })).toBe(0xf000_0008);
  });

  it.each([
    [0x0000_0001, /page 0 is not a GB Sub GHz page/],
    [0xe000_0000, /exactly one channel/],
    [0xe000_0003, /exactly one channel/],
    [0xe800_0200, /page 29 has no channel 9/],
    [-1, /not a 32-bit/],
    [1.5, /not a 32-bit/],
  ])('refuses 0x%s as a channel, saying why', (value, why) => {
    const error = (() => {
      try {
        decodeChannel(value, 'DBCH01 response');
      } catch (e) {
        return e;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(SubGhzError);
    expect(error).toMatchObject({ code: 'SUB_GHZ_CHANNEL_INVALID', where: 'DBCH01 response' });
    expect((error as Error).message).toMatch(why);
  });

  it('reads a mask as its page and the channels it allows, and refuses bits the page does not have', () => {
    expect(decodeMask(0xe000_0006)).toEqual({ page: 28, channels: [1, 2] });
    expect(decodeMask(0xe800_0000)).toEqual({ page: 29, channels: [] });
    expect(() => decodeMask(0xe800_0400, 'mask')).toThrow(expect.objectContaining({ code: 'SUB_GHZ_MASK_INVALID', where: 'mask' }));
    expect(encodeMask(31, [1, 2])).toBe(0xf800_0006);
  });

  it('carries 32-bit values as 4 big-endian octets and refuses other lengths', () => {
    expect(toBits(0xe000_0001).toString('hex')).toBe('e0000001');
    expect(fromBits(Buffer.from('e8000006', 'hex'))).toBe(0xe800_0006);
    expect(() => fromBits(Buffer.alloc(3), 'bits')).toThrow(expect.objectContaining({ code: 'SUB_GHZ_CHANNEL_INVALID' }));
  });

  it('decodes any 32-bit word to a channel that encodes back to it, or refuses it with a SubGhzError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff_ffff }), (word) => {
        try {
          const channel = decodeChannel(word);
          expect(encodeChannel(channel)).toBe(word);
        } catch (error) {
          expect(error).toBeInstanceOf(HubError);
          expect((error as HubError).code).toBe('SUB_GHZ_CHANNEL_INVALID');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips every mask of a valid page, and refuses anything else with SUB_GHZ_MASK_INVALID', () => {
    const page = fc.constantFrom<SubGhzPage>(28, 29, 30, 31);
    fc.assert(
      fc.property(page, fc.integer({ min: 0, max: 0x07ff_ffff }), fc.integer({ min: 0, max: 31 }), (p, bits, otherPage) => {
        const word = ((p << 27) | bits) >>> 0;
        const limit = p === 29 ? 9 : 27;
        if (bits >>> limit === 0) {
          const { page: read, channels } = decodeMask(word);
          expect(encodeMask(read, channels)).toBe(word);
        } else {
          expect(() => decodeMask(word)).toThrow(SubGhzError);
        }
        if (otherPage < 28) expect(() => decodeMask(((otherPage << 27) | bits) >>> 0)).toThrow(expect.objectContaining({ code: 'SUB_GHZ_MASK_INVALID' }));
      }),
      { numRuns: 2000 },
    );
  });
});
