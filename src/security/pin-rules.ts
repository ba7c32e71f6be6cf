import { HubError } from '../../hal/errors.js';

/**
 * What makes a PIN acceptable. Two PINs guard the hub locally: the engineering (installer) PIN and
 * the householder's privacy PIN. Both are decimal digits, and both refuse the guessable: a published
 * default, one digit repeated, a short pattern repeated, a run up or down the digits, or digits
 * copied from the hub's own identifiers (printed on its label). Each rule has its own reason text so
 * the person choosing the PIN learns what to avoid; no reason ever repeats the PIN.
 *
 * The local installer interface reuses `checkPin` as is.
 */
export type PinKind = 'engineering' | 'privacy';

export interface PinLength {
  minDigits: number;
  maxDigits: number;
}

/**
 * The installer's PIN guards configuration, so it is longer; the privacy PIN is typed by
 * householders on a display keypad, so four digits are allowed.
 */
export const PIN_LENGTHS: Readonly<Record<PinKind, PinLength>> = {
  engineering: { minDigits: 6, maxDigits: 12 },
  privacy: { minDigits: 4, maxDigits: 8 },
};

export type PinWeakness = 'notDigits' | 'tooShort' | 'tooLong' | 'default' | 'repeatedDigit' | 'repeatedPattern' | 'ascending' | 'descending' | 'identifier';

export const PIN_REASONS: Readonly<Record<PinWeakness, string>> = {
  notDigits: 'a PIN is decimal digits only (0-9)',
  tooShort: 'it is too short',
  tooLong: 'it is too long',
  default: 'it is a well-known default or commonly chosen PIN',
  repeatedDigit: 'it is one digit repeated',
  repeatedPattern: 'it repeats a shorter group of digits',
  ascending: 'it is a run of ascending digits',
  descending: 'it is a run of descending digits',
  identifier: "it contains digits from the hub's own identifiers (printed on its label)",
};

/**
 * Defaults shipped on equipment and PINs people choose most often. Repeated digits and runs are
 * caught by their own rules; these are the ones that no rule catches.
 */
const DEFAULT_PINS: ReadonlySet<string> = new Set([
  '1234', '0000', '1212', '1122', '2580', '0852', '1004', '2000', '6969', '1010', '2001', '1998', '1357', '2468', '7410',
  '112233', '121212', '123123', '159753', '147258', '258369', '369258', '147852', '753951', '102030', '100200', '123321',
  '654456', '111222', '000111', '696969', '131313', '101010', '200000', '100000', '123654', '789456', '456123',
  '12341234', '11223344', '12121212', '87654321', '12344321', '11112222',
]);

export class PinError extends HubError {
  readonly reason: PinWeakness;

  constructor(reason: PinWeakness, message: string, where: string) {
    super(`PIN_${reason.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, message, { where });
    this.reason = reason;
  }
}

export interface PinContext {
  /** The hub's own identifiers (EUI-64s, serial number, MPAN, MPRN): a PIN may not contain their digit runs. */
  identifiers?: readonly string[];
}

const SHORTEST_IDENTIFIER_RUN = 4;

function isRun(pin: string, step: 1 | -1): boolean {
  // Wrapping 9→0 counts (7890123): it is as guessable as the plain run.
  for (let i = 1; i < pin.length; i++) {
    if ((pin.charCodeAt(i - 1) - 48 + step + 10) % 10 !== pin.charCodeAt(i) - 48) return false;
  }
  return true;
}

function repeatsShorterGroup(pin: string): boolean {
  for (let size = 2; size <= pin.length / 2; size++) {
    if (pin.length % size === 0 && pin.slice(0, size).repeat(pin.length / size) === pin) return true;
  }
  return false;
}

/**
 * Every digit run of at least four from the identifiers, and each identifier's digits joined (an
 * EUI-64's hex letters dropped), so `00DB1234567890A1` yields both `1234567890` and `0012345678901`.
 */
function identifierDigits(identifiers: readonly string[]): string[] {
  const runs: string[] = [];
  for (const identifier of identifiers) {
    for (const run of identifier.match(/\d+/g) ?? []) if (run.length >= SHORTEST_IDENTIFIER_RUN) runs.push(run);
    const joined = identifier.replace(/\D/g, '');
    if (joined.length >= SHORTEST_IDENTIFIER_RUN) runs.push(joined);
  }
  return runs;
}

/** The first rule `pin` breaks, or undefined when it is acceptable for `kind`. */
export function pinWeakness(kind: PinKind, pin: string, context: PinContext = {}): PinWeakness | undefined {
  if (typeof pin !== 'string' || !/^\d+$/.test(pin)) return 'notDigits';
  const length = PIN_LENGTHS[kind];
  if (pin.length > length.maxDigits) return 'tooLong';
  // A default is named as such even when it is also too short: that is the more useful reason.
  if (DEFAULT_PINS.has(pin)) return 'default';
  if (pin.length < length.minDigits) return 'tooShort';
  if (/^(\d)\1*$/.test(pin)) return 'repeatedDigit';
  if (repeatsShorterGroup(pin)) return 'repeatedPattern';
  if (isRun(pin, 1)) return 'ascending';
  if (isRun(pin, -1)) return 'descending';
  if (identifierDigits(context.identifiers ?? []).some((digits) => digits.includes(pin) || pin.includes(digits))) return 'identifier';
  return undefined;
}

/** The reason text for a weakness, with the length limits filled in where they apply. */
export function pinReason(kind: PinKind, weakness: PinWeakness): string {
  const { minDigits, maxDigits } = PIN_LENGTHS[kind];
  if (weakness === 'tooShort') return `${PIN_REASONS.tooShort}: the ${kind} PIN needs at least ${minDigits} digits`;
  if (weakness === 'tooLong') return `${PIN_REASONS.tooLong}: the ${kind} PIN has at most ${maxDigits} digits`;
  return PIN_REASONS[weakness];
}

/** Throws a PinError saying why `pin` cannot be the `kind` PIN; returns it unchanged otherwise. */
export function checkPin(kind: PinKind, pin: string, context: PinContext = {}): string {
  const weakness = pinWeakness(kind, pin, context);
  if (weakness) throw new PinError(weakness, `this PIN cannot be used: ${pinReason(kind, weakness)}`, `${kind} PIN`);
  return pin;
}
