/** What the dual-band (DBCH) use cases share: their DLMS results and the Sub GHz value forms. */
import { HubError } from '../../../hal/errors.js';
import type { BitString } from '../../gbcs/index.js';
import { encodeChannel, fromBits, toBits, type SubGhzChannel } from '../../subghz/index.js';
import { RESULT } from './dlms-answers.js';

/**
 * The RTDS ERROR responses of DBCH01..05 all carry hardware-fault: it is what this hub answers
 * when its Sub GHz side cannot do the work (no Sub GHz radio, no Sub GHz network yet, or its state
 * cannot be written). A set whose value has the wrong DLMS type or shape gets type-unmatched; a
 * well-typed value the hub refuses (out of range, a mask for the wrong page) gets other-reason.
 */
export const DBCH_RESULT = {
  success: RESULT.success,
  hardwareFault: RESULT.hardwareFault,
  typeUnmatched: 12,
  otherReason: RESULT.otherReason,
} as const;

/** A channel as the 32-bit DLMS bit-string GBCS carries it (0xE0000001 is page 28 channel 0). */
export function channelBits(channel: SubGhzChannel): BitString {
  return { bits: 32, value: toBits(encodeChannel(channel)) };
}

/** A 32-bit bit-string back to its number. */
export function bitsValue(bits: BitString, where: string): number {
  if (bits.bits !== 32) throw new HubError('SUB_GHZ_MASK_INVALID', `expected a 32-bit bit-string, found ${bits.bits} bits`, { where });
  return fromBits(bits.value, where);
}
