import { aesMmoHash } from '../../hal/install-code.js';

/**
 * The hashed_TC_link_key that CS14 and CCS07 report: the ZigBee AES-MMO hash (Matyas–Meyer–Oseas
 * over AES-128, the hash ZigBee itself uses for install codes) of the 16-byte TC link key, giving
 * the 16 octets those messages carry. Empty where no key has been established.
 */
export const LINK_KEY_LENGTH = 16;
export const HASHED_LINK_KEY_LENGTH = 16;

export function hashTcLinkKey(key: Buffer | undefined): Buffer {
  return key ? aesMmoHash(key) : Buffer.alloc(0);
}

/**
 * Shows a secret (install code, link key) only by its last byte and its length, so a person can
 * tell two entries apart without the value reaching a screen or a terminal log.
 */
export function maskSecret(bytes: Buffer | undefined): string {
  if (!bytes || bytes.length === 0) return '';
  const last = bytes.subarray(-1).toString('hex').toUpperCase();
  return `****${last} (${bytes.length} bytes)`;
}
