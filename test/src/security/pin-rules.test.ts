import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPin, PIN_LENGTHS, PIN_REASONS, PinError, pinWeakness, type PinKind, type PinWeakness } from '../../../src/security/pin-rules.js';

const HUB = { identifiers: ['00DB4829170356A1', '00DB6612039487B2', '1312345678907', 'SN-5021'] };

function refusal(kind: PinKind, pin: string, context = HUB): PinError {
  try {
    checkPin(kind, pin, context);
  } catch (error) {
    expect(error).toBeInstanceOf(PinError);
    return error as PinError;
  }
  throw new Error('expected the PIN to be refused');
}

describe('PIN rules', () => {
  // Each class of weak PIN, with the reason the person choosing it is told.
  const CASES: Array<[PinKind, string, PinWeakness, RegExp]> = [
    ['privacy', '1234', 'default', /well-known default/],
    ['privacy', '0000', 'default', /well-known default/],
    ['engineering', '1234', 'default', /well-known default/],
    ['privacy', '2580', 'default', /well-known default/],
    ['engineering', '159753', 'default', /well-known default/],
    ['privacy', '12a4', 'notDigits', /decimal digits only/],
    ['engineering', '', 'notDigits', /decimal digits only/],
    ['privacy', '482', 'tooShort', /privacy PIN needs at least 4 digits/],
    ['engineering', '48291', 'tooShort', /engineering PIN needs at least 6 digits/],
    ['privacy', '482910375', 'tooLong', /privacy PIN has at most 8 digits/],
    ['engineering', '4829103756281', 'tooLong', /engineering PIN has at most 12 digits/],
    ['privacy', '7777', 'repeatedDigit', /one digit repeated/],
    ['engineering', '999999999', 'repeatedDigit', /one digit repeated/],
    ['engineering', '473473', 'repeatedPattern', /repeats a shorter group/],
    ['privacy', '4848', 'repeatedPattern', /repeats a shorter group/],
    ['engineering', '345678', 'ascending', /ascending/],
    ['engineering', '7890123', 'ascending', /ascending/],
    ['privacy', '6789', 'ascending', /ascending/],
    ['engineering', '987654', 'descending', /descending/],
    ['privacy', '3210', 'descending', /descending/],
    ['engineering', '456789012', 'ascending', /ascending/],
    ['engineering', '567890', 'ascending', /ascending/],
    ['engineering', '3456789012', 'ascending', /ascending/],
    ['engineering', '876543', 'descending', /descending/],
    // The hub's identifiers: the EUI-64's digit run, its digits joined, the MPAN core.
    ['engineering', '482917035', 'identifier', /hub's own identifiers/],
    ['engineering', '004829', 'identifier', /hub's own identifiers/],
    ['engineering', '612039487', 'identifier', /hub's own identifiers/],
    ['engineering', '312345', 'identifier', /hub's own identifiers/],
    ['privacy', '6789', 'ascending', /ascending/],
    ['privacy', '2345', 'ascending', /ascending/],
    ['engineering', '131234', 'identifier', /hub's own identifiers/],
    ['engineering', '90502177', 'identifier', /hub's own identifiers/],
  ];

  it.each(CASES)('%s PIN %s is refused as %s, with a reason that says why and not the PIN', (kind, pin, weakness, why) => {
    expect(pinWeakness(kind, pin, HUB)).toBe(weakness);
    const error = refusal(kind, pin);
    expect(error.reason).toBe(weakness);
    expect(error.message).toMatch(why);
    expect(error.code).toMatch(/^PIN_[A-Z_]+$/);
    expect(error.where).toBe(`${kind} PIN`);
    if (pin.length >= 4) expect(error.message).not.toContain(pin);
  });

  it('gives every weakness its own reason text', () => {
    const texts = Object.values(PIN_REASONS);
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('accepts PINs that break no rule', () => {
    for (const [kind, pin] of [['engineering', '482910'], ['engineering', '730418265913'], ['privacy', '7193'], ['privacy', '90417362']] as const) {
      expect(checkPin(kind, pin, HUB)).toBe(pin);
    }
    // Without identifiers to compare against, a PIN built from them is acceptable.
    expect(pinWeakness('engineering', '482917035')).toBeUndefined();
  });

  it('refuses non-strings as not digits', () => {
    expect(pinWeakness('privacy', 4829 as unknown as string)).toBe('notDigits');
  });

  describe('properties', () => {
    const digit = fc.constantFrom(...'0123456789');
    const pinOf = (min: number, max: number) => fc.string({ unit: digit, minLength: min, maxLength: max });

    it('any accepted PIN is digits of an allowed length, and checkPin agrees with pinWeakness', () => {
      fc.assert(
        fc.property(fc.constantFrom<PinKind>('engineering', 'privacy'), fc.oneof(pinOf(0, 14), fc.string()), (kind, pin) => {
          const weakness = pinWeakness(kind, pin, HUB);
          if (weakness === undefined) {
            expect(pin).toMatch(/^\d+$/);
            expect(pin.length).toBeGreaterThanOrEqual(PIN_LENGTHS[kind].minDigits);
            expect(pin.length).toBeLessThanOrEqual(PIN_LENGTHS[kind].maxDigits);
            expect(checkPin(kind, pin, HUB)).toBe(pin);
          } else {
            expect(() => checkPin(kind, pin, HUB)).toThrow(PinError);
          }
        }),
      );
    });

    it('refuses every PIN of one repeated digit', () => {
      fc.assert(
        fc.property(fc.constantFrom<PinKind>('engineering', 'privacy'), digit, fc.integer({ min: 1, max: 12 }), (kind, d, n) => {
          expect(pinWeakness(kind, d.repeat(n))).toBeDefined();
        }),
      );
    });

    it('refuses every ascending or descending run, wrapping past 9 or 0', () => {
      fc.assert(
        fc.property(fc.nat(9), fc.integer({ min: 6, max: 12 }), fc.constantFrom(1, -1), (start, length, step) => {
          const pin = Array.from({ length }, (_, i) => String((((start + step * i) % 10) + 10) % 10)).join('');
          expect(['ascending', 'descending', 'default', 'repeatedPattern']).toContain(pinWeakness('engineering', pin));
        }),
      );
    });

    it('refuses every PIN that is a stretch of an identifier\'s digits', () => {
      fc.assert(
        fc.property(pinOf(13, 13), fc.nat(7), fc.integer({ min: 6, max: 12 }), (identifier, offset, length) => {
          const pin = identifier.slice(offset, offset + length);
          fc.pre(pin.length >= 6);
          expect(pinWeakness('engineering', pin, { identifiers: [identifier] })).toBeDefined();
        }),
      );
    });

    it('refuses a repeated group of any size', () => {
      fc.assert(
        fc.property(pinOf(2, 4), fc.integer({ min: 2, max: 4 }), (group, times) => {
          const pin = group.repeat(times);
          fc.pre(pin.length <= 12 && pin.length >= 6);
          expect(pinWeakness('engineering', pin)).toBeDefined();
        }),
      );
    });
  });
});
