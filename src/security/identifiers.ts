import { HubError } from '../../hal/errors.js';

/**
 * The meter point identifiers the hub holds: the electricity MPAN and the gas MPRN. Both are
 * personal data, so no error here ever repeats the value it refused; it names the field and says
 * what is wrong with its shape.
 *
 * MPAN: the 13-digit core (distributor id, 10-digit unique id, check digit), optionally preceded by
 * the 8-character top line (profile class, meter timeswitch code, line loss factor class) as on a
 * bill: 21 characters in all. The check digit is the sum of the first twelve digits weighted by the
 * primes 3..43 (11 left out), modulo 11, modulo 10.
 *
 * MPRN: digits, compared as an integer: GBCS lets it arrive zero-padded, so 0007654321 and 7654321
 * are the same meter point.
 */
export type IdentifierErrorCode = 'ID_BAD_MPAN' | 'ID_BAD_MPRN';

export class IdentifierError extends HubError {
  declare readonly code: IdentifierErrorCode;

  constructor(code: IdentifierErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

export const MPAN_CHECK_WEIGHTS = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43] as const;
export const MPAN_CORE_DIGITS = 13;
const TOP_LINE = /^(\d{2})(\d{3})([0-9A-Z]{3})$/;

/** Longest MPRN (in significant digits) and longest zero-padded form accepted. */
export const MPRN_MAX_DIGITS = 10;
const MPRN_MAX_PADDED = 15;

export interface MpanTopLine {
  profileClass: string;
  meterTimeswitchCode: string;
  lineLossFactorClass: string;
}

export interface Mpan {
  /** The 13-digit core, which is what identifies the meter point. */
  readonly core: string;
  /** The distributor id: the core's first two digits. */
  readonly distributor: string;
  readonly topLine?: MpanTopLine;
}

export interface Mprn {
  /** The number itself; equal MPRNs have equal values whatever their padding. */
  readonly value: bigint;
  /** Decimal digits without leading zeros. */
  readonly canonical: string;
}

/** The check digit for the first twelve digits of an MPAN core. */
export function mpanCheckDigit(first12: string): number {
  if (!/^\d{12}$/.test(first12)) {
    throw new IdentifierError('ID_BAD_MPAN', 'the check digit is computed over exactly 12 decimal digits', { where: 'mpan' });
  }
  let sum = 0;
  MPAN_CHECK_WEIGHTS.forEach((weight, i) => {
    sum += weight * (first12.charCodeAt(i) - 48);
  });
  return (sum % 11) % 10;
}

/** Spaces are how MPANs are written on bills and forms; nothing else is stripped. */
function compact(text: string): string {
  return text.replace(/ /g, '');
}

/** Parse an MPAN (13-digit core, or 21 characters with the top line); refuses a wrong check digit. */
export function parseMpan(text: unknown, field = 'mpan'): Mpan {
  if (typeof text !== 'string') throw new IdentifierError('ID_BAD_MPAN', 'an MPAN is a string of digits', { where: field });
  const compacted = compact(text);
  let core: string;
  let topLine: MpanTopLine | undefined;
  if (compacted.length === MPAN_CORE_DIGITS) {
    core = compacted;
  } else if (compacted.length === MPAN_CORE_DIGITS + 8) {
    const top = TOP_LINE.exec(compacted.slice(0, 8));
    if (!top) {
      throw new IdentifierError('ID_BAD_MPAN', 'the top line must be a 2-digit profile class, a 3-digit meter timeswitch code and a 3-character line loss factor class', { where: field });
    }
    topLine = { profileClass: top[1]!, meterTimeswitchCode: top[2]!, lineLossFactorClass: top[3]! };
    core = compacted.slice(8);
  } else {
    throw new IdentifierError('ID_BAD_MPAN', `an MPAN is a ${MPAN_CORE_DIGITS}-digit core, or 21 characters with the top line; got ${compacted.length} characters`, { where: field });
  }
  if (!/^\d{13}$/.test(core)) throw new IdentifierError('ID_BAD_MPAN', 'the MPAN core must be decimal digits only', { where: field });
  if (mpanCheckDigit(core.slice(0, 12)) !== core.charCodeAt(12) - 48) {
    throw new IdentifierError('ID_BAD_MPAN', 'the MPAN core fails its check digit (a digit mistyped or two swapped?)', { where: field });
  }
  return topLine ? { core, distributor: core.slice(0, 2), topLine } : { core, distributor: core.slice(0, 2) };
}

export function isValidMpan(text: unknown): boolean {
  try {
    parseMpan(text);
    return true;
  } catch (error) {
    if (error instanceof IdentifierError) return false;
    throw error;
  }
}

/** Two MPANs name the same meter point when their cores are equal (the top line can change). */
export function sameMpan(a: string, b: string): boolean {
  return parseMpan(a, 'mpan (first)').core === parseMpan(b, 'mpan (second)').core;
}

/** Parse an MPRN: 1 to 10 significant digits, zero-padding allowed, never zero. */
export function parseMprn(text: unknown, field = 'mprn'): Mprn {
  if (typeof text !== 'string' || !/^\d+$/.test(text)) {
    throw new IdentifierError('ID_BAD_MPRN', 'an MPRN is decimal digits only', { where: field });
  }
  if (text.length > MPRN_MAX_PADDED) {
    throw new IdentifierError('ID_BAD_MPRN', `an MPRN is at most ${MPRN_MAX_PADDED} characters even with leading zeros; got ${text.length}`, { where: field });
  }
  const canonical = text.replace(/^0+/, '');
  if (canonical.length === 0) throw new IdentifierError('ID_BAD_MPRN', 'an MPRN cannot be zero', { where: field });
  if (canonical.length > MPRN_MAX_DIGITS) {
    throw new IdentifierError('ID_BAD_MPRN', `an MPRN has at most ${MPRN_MAX_DIGITS} significant digits; got ${canonical.length}`, { where: field });
  }
  return { value: BigInt(canonical), canonical };
}

export function isValidMprn(text: unknown): boolean {
  try {
    parseMprn(text);
    return true;
  } catch (error) {
    if (error instanceof IdentifierError) return false;
    throw error;
  }
}

/** GBCS: MPRNs may arrive with leading zeros, so two are the same meter point when equal as integers. */
export function sameMprn(a: string, b: string): boolean {
  return parseMprn(a, 'mprn (first)').value === parseMprn(b, 'mprn (second)').value;
}
