import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Eui64Error, parseEui64 } from '../../hal/eui64.js';

function refusal(text: string): Eui64Error {
  try {
    parseEui64(text, 'ieee_address');
  } catch (error) {
    expect(error).toBeInstanceOf(Eui64Error);
    return error as Eui64Error;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('parseEui64', () => {
  it('accepts the printed forms and gives the canonical one', () => {
    for (const text of ['00DB1234567890A2', '00-DB-12-34-56-78-90-A2', '00:db:12:34:56:78:90:a2', '00 DB 12 34 56 78 90 A2']) expect(parseEui64(text)).toBe('00DB1234567890A2');
  });

  it('says what is wrong and where, without repeating what it was given (an MPAN or install code in the wrong field)', () => {
    expect(refusal('1312345678907')).toMatchObject({ code: 'BAD_EUI64', where: 'ieee_address', message: 'ieee_address: not an EUI-64 (16 upper-case hex digits): it has 13 characters' });
    expect(refusal('00DB1234567890AZ').message).toBe('ieee_address: not an EUI-64 (16 upper-case hex digits): it has characters that are not hex digits');
    const digits = fc.stringMatching(/^[0-9]{6,15}$/);
    const hex = fc.stringMatching(/^[0-9A-F]{17,40}$/);
    fc.assert(fc.property(fc.oneof(digits, hex), (text) => !refusal(text).message.includes(text)));
  });

  it('answers any text with an EUI-64 or an Eui64Error', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          expect(parseEui64(text)).toMatch(/^[0-9A-F]{16}$/);
        } catch (error) {
          expect(error).toBeInstanceOf(Eui64Error);
        }
      }),
    );
  });
});
