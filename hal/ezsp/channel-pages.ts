/**
 * Channels as the radio takes them. 2.4 GHz channels are 11..26. A Sub GHz channel crosses the
 * Radio seam as its 32-bit page-and-channel value (page in the top 5 bits, one channel bit in the
 * low 27: 0xE0000001 is page 28 channel 0), which is also how startScan takes a channel mask.
 * EmberZNet reports and sets a single Sub GHz channel as one octet instead: the page in bits 7..5
 * (page 28 → 4 ... page 31 → 7) and the channel in bits 4..0.
 */
const PAGE_SHIFT = 27;
const CHANNEL_BITS = 0x07ff_ffff;
const FIRST_SUB_GHZ_PAGE = 28;
const LAST_SUB_GHZ_PAGE = 31;
/** Page 28 is 4 in the octet's top three bits. */
const OCTET_PAGE_OFFSET = FIRST_SUB_GHZ_PAGE - 4;

export function isTwoFourChannel(channel: number): boolean {
  return Number.isInteger(channel) && channel >= 11 && channel <= 26;
}

/** Page and channel of a 32-bit value naming exactly one Sub GHz channel; undefined for anything else. */
export function subGhzChannel(value: number): { page: number; channel: number } | undefined {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) return undefined;
  const page = value >>> PAGE_SHIFT;
  const bits = value & CHANNEL_BITS;
  if (page < FIRST_SUB_GHZ_PAGE || page > LAST_SUB_GHZ_PAGE || bits === 0 || (bits & (bits - 1)) !== 0) return undefined;
  return { page, channel: 31 - Math.clz32(bits) };
}

/** One startScan channel mask per page the channels are on (2.4 GHz channels are page 0). */
export function scanMasks(channels: readonly number[]): number[] {
  const byPage = new Map<number, number>();
  for (const value of channels) {
    const sub = subGhzChannel(value);
    const page = sub?.page ?? 0;
    byPage.set(page, (byPage.get(page) ?? 0) | (1 << (sub?.channel ?? value)));
  }
  return [...byPage].map(([page, bits]) => ((page << PAGE_SHIFT) | bits) >>> 0);
}

/** A channel as a scan result reports it, as the Radio seam names it. */
export function fromReportedChannel(octet: number): number {
  if (octet < 0x80) return octet;
  return (((octet >> 5) + OCTET_PAGE_OFFSET) << PAGE_SHIFT | (1 << (octet & 0x1f))) >>> 0;
}

/** A Sub GHz channel as setRadioChannel takes it (the one-octet form). */
export function toRadioChannel(page: number, channel: number): number {
  return ((page - OCTET_PAGE_OFFSET) << 5) | channel;
}
