import { SubGhzError } from './errors.js';

/**
 * A Sub GHz channel is a channel page and a channel number on it. GBCS and the Zigbee Sub-GHz
 * cluster carry it as a 32-bit value: the page in the top 5 bits, one bit set in the low 27 for the
 * channel (page 28 channel 0 is 0xE0000001, as the RTDS DBCH01 response shows). A channel mask is
 * the same layout with any number of channel bits set.
 */
export type SubGhzPage = 28 | 29 | 30 | 31;

export interface SubGhzChannel {
  page: SubGhzPage;
  channel: number;
}

/**
 * The GB pages and how many channels each has (Zigbee's Great Britain region: pages 28, 30 and 31
 * have channels 0..26; page 29 has 0..8).
 */
export const CHANNEL_PAGES: Readonly<Record<SubGhzPage, { channels: number }>> = {
  28: { channels: 27 },
  29: { channels: 9 },
  30: { channels: 27 },
  31: { channels: 27 },
};

export const SUB_GHZ_PAGES: readonly SubGhzPage[] = [28, 29, 30, 31];

const PAGE_SHIFT = 27;
const CHANNEL_BITS = 0x07ff_ffff;

function isPage(page: number): page is SubGhzPage {
  return page === 28 || page === 29 || page === 30 || page === 31;
}

function checkWord(value: number, code: 'SUB_GHZ_CHANNEL_INVALID' | 'SUB_GHZ_MASK_INVALID', where: string): SubGhzPage {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new SubGhzError(code, `${String(value)} is not a 32-bit page-and-channel value`, { where });
  }
  const page = value >>> PAGE_SHIFT;
  if (!isPage(page)) throw new SubGhzError(code, `page ${page} is not a GB Sub GHz page (28..31)`, { where });
  return page;
}

export function isSubGhzChannel(value: unknown): value is SubGhzChannel {
  const v = value as SubGhzChannel;
  return typeof v === 'object' && v !== null && isPage(v.page) && Number.isInteger(v.channel) && v.channel >= 0 && v.channel < CHANNEL_PAGES[v.page].channels;
}

/** Checks a channel given as page and number; throws SUB_GHZ_CHANNEL_INVALID naming `where`. */
export function checkChannel(value: SubGhzChannel, where = 'channel'): SubGhzChannel {
  if (!isSubGhzChannel(value)) {
    throw new SubGhzError('SUB_GHZ_CHANNEL_INVALID', `${JSON.stringify(value)} is not a channel on a GB Sub GHz page`, { where });
  }
  return { page: value.page, channel: value.channel };
}

export function encodeChannel(value: SubGhzChannel): number {
  const { page, channel } = checkChannel(value);
  return ((page << PAGE_SHIFT) | (1 << channel)) >>> 0;
}

/** Reads one channel from its 32-bit value: exactly one channel bit, on a channel the page has. */
export function decodeChannel(value: number, where = 'channel'): SubGhzChannel {
  const page = checkWord(value, 'SUB_GHZ_CHANNEL_INVALID', where);
  const bits = value & CHANNEL_BITS;
  if (bits === 0 || (bits & (bits - 1)) !== 0) {
    throw new SubGhzError('SUB_GHZ_CHANNEL_INVALID', `0x${value.toString(16)} does not name exactly one channel`, { where });
  }
  const channel = 31 - Math.clz32(bits);
  if (channel >= CHANNEL_PAGES[page].channels) {
    throw new SubGhzError('SUB_GHZ_CHANNEL_INVALID', `page ${page} has no channel ${channel}`, { where });
  }
  return { page, channel };
}

/** Reads a channel mask: its page, and the channels it allows (possibly none). */
export function decodeMask(value: number, where = 'channel mask'): { page: SubGhzPage; channels: number[] } {
  const page = checkWord(value, 'SUB_GHZ_MASK_INVALID', where);
  const bits = value & CHANNEL_BITS;
  const limit = CHANNEL_PAGES[page].channels;
  if (bits >>> limit !== 0) {
    throw new SubGhzError('SUB_GHZ_MASK_INVALID', `0x${value.toString(16)} allows channels page ${page} does not have (it has 0..${limit - 1})`, { where });
  }
  const channels: number[] = [];
  for (let channel = 0; channel < limit; channel++) if (bits & (1 << channel)) channels.push(channel);
  return { page, channels };
}

export function encodeMask(page: SubGhzPage, channels: readonly number[]): number {
  let bits = 0;
  for (const channel of channels) bits |= 1 << checkChannel({ page, channel }, 'channel mask').channel;
  return ((page << PAGE_SHIFT) | bits) >>> 0;
}

/** The 4-octet big-endian form GBCS carries in a 32-bit DLMS bit-string. */
export function toBits(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
}

export function fromBits(bytes: Uint8Array, where = 'bit-string'): number {
  if (bytes.length !== 4) throw new SubGhzError('SUB_GHZ_CHANNEL_INVALID', `expected 32 bits, got ${bytes.length * 8}`, { where });
  return Buffer.from(bytes).readUInt32BE(0);
}

export function sameChannel(a: SubGhzChannel, b: SubGhzChannel): boolean {
  return a.page === b.page && a.channel === b.channel;
}

export function channelName(value: SubGhzChannel): string {
  return `page ${value.page} channel ${value.channel}`;
}
