import { ESCAPE_FLIP, ReservedByte } from './constants.js';

/** 1 for each byte value that must be escaped inside a frame (UG101 §4.2), 0 otherwise. */
export const RESERVED: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (const value of Object.values(ReservedByte)) table[value] = 1;
  return table;
})();

/**
 * Copy `source[0, length)` into `out` from `offset`, escaping reserved bytes; returns the new offset.
 * `out` must have room for 2 × length bytes.
 */
export function stuff(source: Uint8Array, length: number, out: Uint8Array, offset: number): number {
  let o = offset;
  for (let i = 0; i < length; i++) {
    const b = source[i]!;
    if (RESERVED[b] === 0) {
      out[o++] = b;
    } else {
      out[o++] = ReservedByte.ESCAPE;
      out[o++] = b ^ ESCAPE_FLIP;
    }
  }
  return o;
}
