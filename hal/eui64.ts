import { HubError } from './errors.js';
import type { Eui64 } from './radio.js';

/**
 * EUI-64s travel as 16 upper-case hex digits, most significant byte first, as printed on a device
 * and as GBCS system titles carry them. ZigBee and EZSP put them on the wire least significant byte
 * first; these helpers are the only place that knows both orders.
 */
const PATTERN = /^[0-9A-F]{16}$/;

export class Eui64Error extends HubError {}

/** Accepts `00DB1234567890A2`, `00-DB-12-34-56-78-90-A2` or `00:db:...`; returns the canonical form. */
export function parseEui64(text: string, where = 'EUI-64'): Eui64 {
  const compact = text.replace(/[-:\s]/g, '').toUpperCase();
  if (!PATTERN.test(compact)) throw new Eui64Error('BAD_EUI64', notAnEui64(compact), { where });
  return compact;
}

/**
 * Why `text` is not a canonical EUI-64, without repeating it: what was typed or carried in the
 * wrong place may be personal (an MPAN, an install code), and error messages reach logs and terminals.
 */
export function notAnEui64(text: string): string {
  const value = String(text);
  const why =
    value.length !== 16 ? `it has ${value.length} characters`
    : /^[0-9A-Fa-f]{16}$/.test(value) ? 'its hex digits must be upper case'
    : 'it has characters that are not hex digits';
  return `not an EUI-64 (16 upper-case hex digits): ${why}`;
}

export function isEui64(value: string): value is Eui64 {
  return PATTERN.test(value);
}

/** Big-endian bytes (as in GBCS system titles) to an Eui64. */
export function eui64FromBytes(bytes: Uint8Array): Eui64 {
  if (bytes.length !== 8) throw new Eui64Error('BAD_EUI64', `expected 8 bytes, got ${bytes.length}`);
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

export function eui64ToBytes(eui64: Eui64): Buffer {
  return Buffer.from(eui64, 'hex');
}

/** ZigBee/EZSP wire order: least significant byte first. */
export function eui64FromWire(bytes: Uint8Array): Eui64 {
  return eui64FromBytes(Buffer.from(bytes).reverse());
}

export function eui64ToWire(eui64: Eui64): Buffer {
  return eui64ToBytes(eui64).reverse();
}
