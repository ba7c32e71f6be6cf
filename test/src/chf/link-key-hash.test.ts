import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aesMmoHash, linkKeyFromInstallCode, parseInstallCode } from '../../../hal/install-code.js';
import { HASHED_LINK_KEY_LENGTH, hashTcLinkKey, maskSecret } from '../../../src/chf/link-key-hash.js';
import { describeRtds, loadVectors } from '../../helpers/rtds.js';

/**
 * What the RTDS says about hashed_TC_link_key. In CS14 and CCS07 each Device Log entry is a DLMS
 * structure {octet-string(8) EUI-64, octet-string hashed_TC_link_key}: 02 02 09 08 <eui> 09 <len> <hash>.
 */
function hashFields(bytes: Buffer): Array<{ eui64: string; hash: Buffer }> {
  const found: Array<{ eui64: string; hash: Buffer }> = [];
  for (let at = bytes.indexOf(Buffer.from('02020908', 'hex')); at >= 0; at = bytes.indexOf(Buffer.from('02020908', 'hex'), at + 1)) {
    if (bytes[at + 12] !== 0x09) continue;
    const length = bytes[at + 13]!;
    found.push({ eui64: bytes.subarray(at + 4, at + 12).toString('hex').toUpperCase(), hash: bytes.subarray(at + 14, at + 14 + length) });
  }
  return found;
}

const vector = (name: string) => loadVectors().find((v) => v.name === name)!.bytes;

describeRtds('hashed_TC_link_key in the RTDS', () => {
  it('is 16 octets in CS14 and CCS07, the length of the AES-MMO digest', () => {
    const cs14 = hashFields(vector('CS14_NA_8F12_ALERT_GBCS.HEX'));
    const ccs07 = hashFields(vector('CCS07_8.9_SUCCESS_RESPONSE_GBCS.HEX'));
    expect(cs14.map((f) => f.eui64)).toEqual(['00DB1234567890A0', '00DB1234567890A1']);
    expect(ccs07.map((f) => f.eui64)).toEqual(['00DB1234567890A0', '00DB1234567890A1', '00DB1234567890A3', '00DB1234567890A4']);
    for (const field of [...cs14, ...ccs07]) expect(field.hash.length).toBe(HASHED_LINK_KEY_LENGTH);
    expect(hashTcLinkKey(randomBytes(16)).length).toBe(HASHED_LINK_KEY_LENGTH);
  });

  it('holds placeholder values that no key can pin down: the ZigBee example install code, and counting patterns', () => {
    const cs14 = hashFields(vector('CS14_NA_8F12_ALERT_GBCS.HEX'));
    const ccs07 = hashFields(vector('CCS07_8.9_SUCCESS_RESPONSE_GBCS.HEX'));
    // The GSME's "hash" plus the CRC C3B5 is the install code of the ZigBee specification's example...
    const gsme = cs14[1]!.hash;
    expect(() => parseInstallCode(Buffer.concat([gsme, Buffer.from('C3B5', 'hex')]))).not.toThrow();
    expect(linkKeyFromInstallCode(Buffer.concat([gsme, Buffer.from('C3B5', 'hex')])).toString('hex').toUpperCase()).toBe('66B6900981E1EE3CA4206B6B861C02BB');
    // ...the ESME's differs from it only in its last byte, and the historic entries count up.
    expect(cs14[0]!.hash.subarray(0, 15).equals(gsme.subarray(0, 15))).toBe(true);
    expect(ccs07[2]!.hash.toString('hex')).toBe('00112233445566778899a1a2a3a4a5a6');
    expect(ccs07[3]!.hash.toString('hex')).toBe('a1a2a3a4a5a600112233445566778899');
    // Same content in both messages for the live log.
    expect(ccs07.slice(0, 2).map((f) => f.hash.toString('hex'))).toEqual(cs14.map((f) => f.hash.toString('hex')));
  });
});

describe('hashTcLinkKey', () => {
  it('is the ZigBee AES-MMO hash of the 16-byte key, and empty with no key', () => {
    // Known answer: AES-MMO of the ZigBee example install code is its pre-configured link key.
    const code = Buffer.from('83FED3407A939723A5C639B26916D505C3B5', 'hex');
    expect(aesMmoHash(code).toString('hex').toUpperCase()).toBe('66B6900981E1EE3CA4206B6B861C02BB');
    const key = Buffer.from('66B6900981E1EE3CA4206B6B861C02BB', 'hex');
    expect(hashTcLinkKey(key).equals(aesMmoHash(key))).toBe(true);
    expect(hashTcLinkKey(undefined).length).toBe(0);
  });

  it('gives distinct 16-byte digests for distinct keys (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (a, b) => {
        const [ha, hb] = [hashTcLinkKey(Buffer.from(a)), hashTcLinkKey(Buffer.from(b))];
        expect(ha.length).toBe(16);
        expect(ha.equals(hb)).toBe(Buffer.from(a).equals(Buffer.from(b)));
      }),
    );
  });
});

describe('maskSecret', () => {
  it('shows only the last byte and the length', () => {
    const secret = Buffer.from('83FED3407A939723A5C639B26916D505C3B5', 'hex');
    expect(maskSecret(secret)).toBe('****B5 (18 bytes)');
    expect(maskSecret(undefined)).toBe('');
  });
});
