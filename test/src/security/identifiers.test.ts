import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  IdentifierError,
  isValidMpan,
  isValidMprn,
  mpanCheckDigit,
  parseMpan,
  parseMprn,
  sameMpan,
  sameMprn,
} from '../../../src/security/identifiers.js';

/** An independent statement of the check digit: weights by position, written out. */
function referenceCheckDigit(first12: string): number {
  const weights = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * weights[i]!;
  return (sum % 11) % 10;
}

function thrown(run: () => unknown): IdentifierError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(IdentifierError);
    return error as IdentifierError;
  }
  throw new Error('expected an IdentifierError');
}

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });

describe('MPAN', () => {
  // Published examples: cores quoted as valid in public MPAN tooling, and a documented bad checksum.
  const VALID = ['1312345678907', '1030006718997', '1200023305967'];
  const INVALID_CHECK = ['2499999999990', '1099999999997', '2099999999386', '1312345678908', '1030006781997'];

  it.each(VALID)('accepts the valid core %s', (core) => {
    const mpan = parseMpan(core);
    expect(mpan.core).toBe(core);
    expect(mpan.distributor).toBe(core.slice(0, 2));
    expect(mpan.topLine).toBeUndefined();
    expect(isValidMpan(core)).toBe(true);
  });

  it.each(INVALID_CHECK)('refuses %s for its check digit, naming the field but not the number', (core) => {
    const error = thrown(() => parseMpan(core, 'premises.mpan'));
    expect(error.code).toBe('ID_BAD_MPAN');
    expect(error.where).toBe('premises.mpan');
    expect(error.message).toMatch(/check digit/);
    expect(error.message).not.toContain(core);
    expect(isValidMpan(core)).toBe(false);
  });

  it('reads the 21-character form with its top line, and spaces as written on a bill', () => {
    const mpan = parseMpan('00 111 222 13 1234 5678 907');
    expect(mpan).toEqual({ core: '1312345678907', distributor: '13', topLine: { profileClass: '00', meterTimeswitchCode: '111', lineLossFactorClass: '222' } });
    expect(parseMpan('018011A21312345678907').topLine?.lineLossFactorClass).toBe('1A2');
    expect(sameMpan('001112221312345678907', '1312345678907')).toBe(true);
    expect(sameMpan('1030006718997', '1312345678907')).toBe(false);
  });

  it('says what is wrong with each malformed shape', () => {
    expect(thrown(() => parseMpan('131234567890')).message).toMatch(/13-digit core.*got 12 characters/);
    expect(thrown(() => parseMpan('13123456789O7')).message).toMatch(/decimal digits only/);
    expect(thrown(() => parseMpan('0A1112221312345678907')).message).toMatch(/top line/);
    expect(thrown(() => parseMpan(1312345678907)).message).toMatch(/string of digits/);
    expect(thrown(() => parseMpan('1312\t345678907')).code).toBe('ID_BAD_MPAN');
    expect(thrown(() => mpanCheckDigit('12345')).code).toBe('ID_BAD_MPAN');
  });

  it('computes the check digit the way the reference statement does (property)', () => {
    fc.assert(
      fc.property(digits(12, 12), (first12) => {
        const check = mpanCheckDigit(first12);
        expect(check).toBe(referenceCheckDigit(first12));
        expect(parseMpan(first12 + String(check)).core).toBe(first12 + String(check));
        for (let wrong = 0; wrong <= 9; wrong++) if (wrong !== check) expect(isValidMpan(first12 + String(wrong))).toBe(false);
      }),
    );
  });

  it('catches every single-digit error except where the residues 0 and 10 meet in "mod 10" (property)', () => {
    const residue = (first12: string) => {
      const weights = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];
      return weights.reduce((sum, weight, i) => sum + weight * Number(first12[i]), 0) % 11;
    };
    fc.assert(
      fc.property(digits(12, 12), fc.nat(12), fc.integer({ min: 1, max: 9 }), (first12, position, delta) => {
        const core = first12 + String(mpanCheckDigit(first12));
        const changed = core.slice(0, position) + String((Number(core[position]) + delta) % 10) + core.slice(position + 1);
        // No weight is a multiple of 11, so one changed digit always moves the residue mod 11; only
        // the final mod 10, which folds 10 onto 0, can hide it.
        const hidden = [residue(first12), residue(changed.slice(0, 12))].sort((a, b) => a - b).join() === '0,10';
        expect(isValidMpan(changed)).toBe(hidden);
      }),
    );
  });

  it('only ever returns a core or raises IdentifierError, whatever it is given (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), digits(0, 25), fc.anything()), (input) => {
        try {
          const mpan = parseMpan(input);
          expect(mpan.core).toMatch(/^\d{13}$/);
        } catch (error) {
          expect(error).toBeInstanceOf(IdentifierError);
          expect((error as IdentifierError).where).toBe('mpan');
        }
      }),
    );
  });
});

describe('MPRN', () => {
  it('compares as an integer: leading zeros do not make two equal numbers differ', () => {
    expect(sameMprn('0007654321', '7654321')).toBe(true);
    expect(sameMprn('7654321', '0007654321')).toBe(true);
    expect(sameMprn('000000007654321', '7654321')).toBe(true);
    expect(sameMprn('0007654321', '7654320')).toBe(false);
    expect(sameMprn('70654321', '7654321')).toBe(false);
    expect(parseMprn('0007654321')).toEqual({ value: 7654321n, canonical: '7654321' });
  });

  it('refuses what is not an MPRN, naming the field and never the value', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['76543x1', /decimal digits only/],
      ['', /decimal digits only/],
      [' 7654321', /decimal digits only/],
      [7654321, /decimal digits only/],
      ['0000000', /cannot be zero/],
      ['12345678901', /at most 10 significant digits; got 11/],
      ['0000000000000001', /at most 15 characters/],
    ];
    for (const [input, why] of cases) {
      const error = thrown(() => parseMprn(input, 'gas.mprn'));
      expect(error.code).toBe('ID_BAD_MPRN');
      expect(error.where).toBe('gas.mprn');
      expect(error.message).toMatch(why);
      if (typeof input === 'string' && input.length > 0) expect(error.message).not.toContain(input.trim());
      expect(isValidMprn(input)).toBe(false);
    }
    expect(thrown(() => sameMprn('1', 'x')).where).toBe('mprn (second)');
  });

  it('treats any zero-padding of the same number as equal, and different numbers as different (property)', () => {
    const mprn = fc.bigInt({ min: 1n, max: 9_999_999_999n });
    fc.assert(
      fc.property(mprn, mprn, fc.nat(5), fc.nat(5), (a, b, padA, padB) => {
        const textA = '0'.repeat(padA) + a.toString();
        const textB = '0'.repeat(padB) + b.toString();
        expect(sameMprn(textA, textB)).toBe(a === b);
        expect(parseMprn(textA).value).toBe(a);
        expect(parseMprn(textA).canonical).toBe(a.toString());
      }),
    );
  });

  it('only ever returns a value or raises IdentifierError, whatever it is given (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), digits(0, 20), fc.anything()), (input) => {
        try {
          const mprn = parseMprn(input);
          expect(mprn.value > 0n && mprn.value < 10_000_000_000n).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(IdentifierError);
        }
      }),
    );
  });
});
