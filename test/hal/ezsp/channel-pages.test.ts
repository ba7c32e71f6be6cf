import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromReportedChannel, isTwoFourChannel, scanMasks, subGhzChannel, toRadioChannel } from '../../../hal/ezsp/channel-pages.js';

const subGhz = fc.record({ page: fc.integer({ min: 28, max: 31 }), channel: fc.integer({ min: 0, max: 26 }) });
const value = ({ page, channel }: { page: number; channel: number }) => ((page << 27) | (1 << channel)) >>> 0;

describe('channels as the EZSP radio takes them', () => {
  it('carries a Sub GHz channel from its page-and-channel value to the one-octet form and back', () => {
    fc.assert(
      fc.property(subGhz, (channel) => {
        expect(subGhzChannel(value(channel))).toEqual(channel);
        expect(fromReportedChannel(toRadioChannel(channel.page, channel.channel))).toBe(value(channel));
      }),
    );
    expect(value({ page: 28, channel: 0 })).toBe(0xe0000001);
    expect(toRadioChannel(28, 0)).toBe(0x80);
  });

  it('tells 2.4 GHz channels, Sub GHz values and anything else apart', () => {
    fc.assert(
      fc.property(fc.integer({ min: 11, max: 26 }), (channel) => {
        expect(isTwoFourChannel(channel)).toBe(true);
        expect(subGhzChannel(channel)).toBeUndefined();
        expect(fromReportedChannel(channel)).toBe(channel);
      }),
    );
    for (const bad of [0xe0000003, 0xe0000000, 0x18000001, -1, 2 ** 32, 1.5]) expect(subGhzChannel(bad)).toBeUndefined();
  });

  it('scans each page with one mask holding exactly its channels', () => {
    fc.assert(
      fc.property(fc.array(subGhz, { minLength: 1 }), fc.subarray([11, 15, 20, 26]), (subs, twoFour) => {
        const masks = scanMasks([...subs.map(value), ...twoFour]);
        const pages = new Set([...subs.map((s) => s.page), ...(twoFour.length > 0 ? [0] : [])]);
        expect(masks.map((mask) => mask >>> 27).sort()).toEqual([...pages].sort());
        for (const mask of masks) {
          const page = mask >>> 27;
          const expected = page === 0 ? twoFour : subs.filter((s) => s.page === page).map((s) => s.channel);
          for (let channel = 0; channel < 27; channel++) expect(((mask >>> channel) & 1) === 1).toBe(expected.includes(channel));
        }
      }),
    );
  });
});
