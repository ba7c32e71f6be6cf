import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GbcsError, kdfOtherInfo } from '../../src/gbcs/index.js';
import { KDF_ALGORITHM_ID } from '../../src/gbcs/kdf.js';

const eui = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((bytes) => Buffer.from(bytes).toString('hex').toUpperCase());
const KIND_BYTE = { command: 1, response: 2, alert: 3, encryption: 4 } as const;

describe('the KDF other info', () => {
  it('is algorithm id, originator, 0x09 and the transaction kind, counter, recipient for any parties', () => {
    fc.assert(
      fc.property(eui, eui, fc.constantFrom('command', 'response', 'alert', 'encryption' as const), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (originator, recipient, kind, counter) => {
        const counterBytes = Buffer.alloc(8);
        counterBytes.writeBigUInt64BE(counter);
        const expected = Buffer.concat([KDF_ALGORITHM_ID, Buffer.from(originator, 'hex'), Buffer.of(9, KIND_BYTE[kind]), counterBytes, Buffer.from(recipient, 'hex')]);
        expect(kdfOtherInfo({ originator, recipient, kind, counter }).equals(expected)).toBe(true);
      }),
    );
  });

  it('refuses a system title that is not 16 hex digits', () => {
    for (const bad of ['00DB12', '00DB1234567890AZ', '00DB1234567890A2FF']) {
      expect(() => kdfOtherInfo({ originator: bad, recipient: '00DB1234567890A2', kind: 'command', counter: 1n })).toThrowError(GbcsError);
    }
  });
});
