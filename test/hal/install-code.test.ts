import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INSTALL_CODE_LENGTHS,
  InstallCodeError,
  aesMmoHash,
  installCodeCrc,
  linkKeyFromInstallCode,
  parseInstallCode,
  withInstallCodeCrc,
} from '../../hal/install-code.js';

const VECTOR_CODE = '83FED3407A939723A5C639B26916D505C3B5';
const VECTOR_KEY = '66B6900981E1EE3CA4206B6B861C02BB';

function codeOf(thrower: () => unknown): string {
  try {
    thrower();
  } catch (error) {
    expect(error).toBeInstanceOf(InstallCodeError);
    return (error as InstallCodeError).code;
  }
  return 'nothing thrown';
}

const validCode = fc
  .constantFrom(...INSTALL_CODE_LENGTHS)
  .chain((length) => fc.uint8Array({ minLength: length, maxLength: length }))
  .map((bytes) => withInstallCodeCrc(bytes));

describe('install codes', () => {
  it('derives the published link key from the published install code', () => {
    expect(linkKeyFromInstallCode(VECTOR_CODE).toString('hex').toUpperCase()).toBe(VECTOR_KEY);
    expect(linkKeyFromInstallCode('83:FE:D3:40:7A:93:97:23:A5:C6:39:B2:69:16:D5:05:C3:B5').toString('hex').toUpperCase()).toBe(VECTOR_KEY);
    expect(linkKeyFromInstallCode(Buffer.from(VECTOR_CODE, 'hex')).toString('hex').toUpperCase()).toBe(VECTOR_KEY);
  });

  it('computes CRC-16/X-25 (catalogue check value for "123456789" is 0x906E)', () => {
    expect(installCodeCrc(Buffer.from('123456789'))).toBe(0x906e);
    expect(withInstallCodeCrc(Buffer.from(VECTOR_CODE.slice(0, 32), 'hex')).toString('hex').toUpperCase()).toBe(VECTOR_CODE);
  });

  it('refuses a wrong CRC without echoing the code', () => {
    const wrong = VECTOR_CODE.slice(0, 32) + 'B5C3';
    expect(codeOf(() => parseInstallCode(wrong))).toBe('INSTALL_CODE_BAD_CRC');
    let message: string | undefined;
    try {
      parseInstallCode(wrong, 'device 00DB1234567890A2');
    } catch (error) {
      message = (error as Error).message;
    }
    // Asserted outside the catch: a parse that threw nothing must fail here too.
    expect(message).toContain('00DB1234567890A2');
    expect(message).not.toContain('83FE');
  });

  it('refuses lengths other than 6, 8, 12 or 16 bytes plus CRC, and non-hex text', () => {
    for (const length of [0, 1, 2, 5, 7, 9, 11, 16, 17, 19, 20]) {
      expect(codeOf(() => parseInstallCode(Buffer.alloc(length)))).toBe('INSTALL_CODE_BAD_LENGTH');
    }
    expect(codeOf(() => withInstallCodeCrc(Buffer.alloc(10)))).toBe('INSTALL_CODE_BAD_LENGTH');
    expect(codeOf(() => parseInstallCode('83FED3407A939723A5C639B26916D505C3B'))).toBe('INSTALL_CODE_NOT_HEX');
    expect(codeOf(() => parseInstallCode('zz'))).toBe('INSTALL_CODE_NOT_HEX');
  });

  it('accepts every well-formed code of each length and gives a 16-byte key', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        expect(parseInstallCode(code)).toEqual(code);
        const key = linkKeyFromInstallCode(code);
        expect(key.length).toBe(16);
        expect(linkKeyFromInstallCode(code.toString('hex'))).toEqual(key);
      }),
      { numRuns: 200 },
    );
  });

  it('detects every single-bit error', () => {
    fc.assert(
      fc.property(validCode.chain((code) => fc.tuple(fc.constant(code), fc.nat({ max: code.length * 8 - 1 }))), ([code, bit]) => {
        const damaged = Buffer.from(code);
        damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(codeOf(() => parseInstallCode(damaged))).toBe('INSTALL_CODE_BAD_CRC');
      }),
      { numRuns: 300 },
    );
  });

  it('throws only InstallCodeError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 24 })), (input) => {
        try {
          linkKeyFromInstallCode(input);
        } catch (error) {
          if (!(error instanceof InstallCodeError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('AES-MMO hash', () => {
  it('pads to a second block when the message leaves no room for the length', () => {
    // 14 bytes + 0x80 + 2 length bytes = 17: two blocks; 13 bytes fit in one.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (message) => {
        const hash = aesMmoHash(message);
        expect(hash.length).toBe(16);
        const extended = Buffer.concat([Buffer.from(message), Buffer.from([0])]);
        // Appending a byte must change the hash (length is part of the padding).
        expect(aesMmoHash(extended).equals(hash)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
