import { describe, expect, it } from 'vitest';
import {
  GbcsError,
  dateTimeFromDate,
  dateTimeToDate,
  decodeDateTime,
  decodeMessage,
  encodeMessage,
  formatDateTime,
  messageCodeEntry,
  messageCodesFor,
  signedPart,
} from '../../src/gbcs/index.js';
import { encodeLength } from '../../src/gbcs/bytes.js';
import { sampleCommand } from './sample.js';

function decodeError(bytes: Buffer): GbcsError {
  try {
    decodeMessage(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(GbcsError);
    return error as GbcsError;
  }
  return expect.fail('decoded');
}

describe('GBCS envelope codec', () => {
  const bytes = encodeMessage(sampleCommand());

  it('lays out the MAC header, grouping header, signature field and MAC as GBCS does', () => {
    expect(bytes.subarray(0, 7).toString('hex')).toBe('dd000000000000');
    // ciphered content: security header (5) + grouping APDU + MAC (12)
    expect(bytes[7]).toBe(bytes.length - 8);
    expect(bytes.subarray(8, 13).toString('hex')).toBe('1100000000');
    expect(bytes.subarray(13, 16).toString('hex')).toBe('df0901');
    expect(bytes.subarray(16, 24).readBigUInt64BE()).toBe(0x0516n);
    expect(bytes.subarray(24, 42).toString('hex')).toBe('0890b3d51f300000020800db1234567890a2');
    expect(bytes.subarray(42, 45).toString('hex')).toBe('001200'); // no date-time; 18 octets of other information
    expect(bytes.subarray(bytes.length - 13, bytes.length - 12).toString('hex')).toBe('00'); // empty signature field
  });

  it('decodes what it encodes', () => {
    expect(decodeMessage(bytes)).toEqual(sampleCommand());
  });

  it('keeps a date-time, a supplementary originator counter and a certificate', () => {
    const dateTime = dateTimeFromDate(new Date(Date.UTC(2024, 1, 29, 23, 59, 58)));
    const withCounter = sampleCommand({
      dateTime,
      supplementary: { remotePartyId: '90B3D51F30010000', remotePartyCounter: 1n, originatorCounter: 2n },
    });
    expect(decodeMessage(encodeMessage(withCounter))).toEqual(withCounter);
    const withCertificate = sampleCommand({
      supplementary: { remotePartyId: '90B3D51F30010000', remotePartyCounter: 1n, keyAgreementCertificate: Buffer.alloc(300, 7) },
    });
    expect(decodeMessage(encodeMessage(withCertificate))).toEqual(withCertificate);
  });

  it('decodes a bare grouping header (a pre-command) with no signature field', () => {
    const { macHeader: _m, mac: _x, ...bare } = { ...sampleCommand(), signature: 'absent' as const };
    const encoded = encodeMessage(bare);
    expect(encoded[0]).toBe(0xdf);
    expect(encoded.subarray(1).equals(signedPart(bare))).toBe(true);
    expect(decodeMessage(encoded)).toEqual(bare);
  });

  it('names the offset of a truncated message', () => {
    const error = decodeError(bytes.subarray(0, 30));
    expect(error.code).toBe('TRUNCATED');
    expect(error.offset).toBe(8);
    expect(error.message).toMatch(/^byte 8: ciphered content/);
  });

  it('refuses bytes after the ciphered content', () => {
    const error = decodeError(Buffer.concat([bytes, Buffer.of(0)]));
    expect(error).toMatchObject({ code: 'LENGTH_MISMATCH', offset: bytes.length });
  });

  it('refuses an unknown first tag, CRA flag, system title length and date-time length', () => {
    expect(decodeError(Buffer.from('c0ffee', 'hex'))).toMatchObject({ code: 'BAD_TAG', offset: 0 });
    const cases: Array<[offset: number, value: number, code: string]> = [
      [15, 0x04, 'BAD_VALUE'], // CRA flag
      [24, 0x07, 'BAD_TAG'], // originator system title length
      [42, 0x05, 'BAD_VALUE'], // date-time length
      [43, 0x03, 'BAD_VALUE'], // other information of 3 octets
      [6, 0x01, 'BAD_TAG'], // key info present
    ];
    for (const [offset, value, code] of cases) {
      const changed = Buffer.from(bytes);
      changed[offset] = value;
      expect(decodeError(changed), `byte ${offset}`).toMatchObject({ code, offset });
    }
  });

  it('refuses a Message Code it does not know unless asked to keep it', () => {
    const unknown = encodeMessage(sampleCommand({ messageCode: 0x7777 }));
    expect(decodeError(unknown)).toMatchObject({ code: 'UNKNOWN_MESSAGE_CODE', offset: 44 });
    expect(decodeMessage(unknown, { allowUnknownMessageCode: true }).header.messageCode).toBe(0x7777);
  });

  it('refuses a length that is not in its shortest form', () => {
    const longForm = Buffer.concat([bytes.subarray(0, 7), Buffer.of(0x81), bytes.subarray(7)]);
    expect(decodeError(longForm)).toMatchObject({ code: 'BAD_LENGTH', offset: 7 });
  });

  it('refuses to encode what it could not decode', () => {
    expect(() => encodeMessage(sampleCommand({ originator: 'not-an-eui' }))).toThrowError(GbcsError);
    expect(() => encodeMessage(sampleCommand({ originatorCounter: -1n }))).toThrowError(/64 bits/);
    expect(() => encodeMessage({ ...sampleCommand(), signature: Buffer.alloc(10) })).toThrowError(/64 bytes/);
    expect(() => encodeMessage({ ...sampleCommand(), mac: undefined })).toThrowError(/MAC/);
    const shortCertificate = { remotePartyId: '90B3D51F30010000', remotePartyCounter: 1n, keyAgreementCertificate: Buffer.alloc(8) };
    expect(() => encodeMessage(sampleCommand({ supplementary: shortCertificate }))).toThrowError(/told from a counter/);
  });
});

describe('DLMS lengths', () => {
  it('uses one byte below 128 and 0x8N forms above', () => {
    expect(encodeLength(0x7f).toString('hex')).toBe('7f');
    expect(encodeLength(0x80).toString('hex')).toBe('8180');
    expect(encodeLength(0x1234).toString('hex')).toBe('821234');
    expect(() => encodeLength(-1)).toThrowError(GbcsError);
  });
});

describe('Message Codes', () => {
  it('names the use cases both ways', () => {
    expect(messageCodeEntry(0x0001)).toMatchObject({ useCase: 'CCS01', target: 'CHF', critical: false });
    expect(messageCodeEntry(0x00a0)?.useCase).toBe('GCS61');
    expect(messageCodeEntry(0x0012)).toMatchObject({ useCase: 'CS06', critical: true });
    const cs02b = messageCodesFor('CS02b');
    expect(cs02b.filter((code) => !messageCodeEntry(code)?.alertOnly)).toHaveLength(10);
    expect(cs02b.filter((code) => messageCodeEntry(code)?.alertOnly)).toEqual([0x00cb]);
    expect(messageCodeEntry(0xffff)).toBeUndefined();
  });
});

describe('DLMS date-time', () => {
  it('round-trips an instant and prints unspecified fields as stars', () => {
    const instant = new Date(Date.UTC(2015, 0, 1, 12, 30, 45));
    const decoded = decodeDateTime(dateTimeFromDate(instant));
    expect(dateTimeToDate(decoded)).toEqual(instant);
    expect(formatDateTime(decodeDateTime(Buffer.from('07df0101ff000000008000ff', 'hex')))).toBe('2015-01-01T00:00:00');
    expect(formatDateTime(decodeDateTime(Buffer.from('ffffffffffffffffff8000ff', 'hex')))).toBe('****-**-**T**:**:**');
    expect(dateTimeToDate(decodeDateTime(Buffer.from('ffffffffffffffffff8000ff', 'hex')))).toBeUndefined();
    expect(() => decodeDateTime(Buffer.alloc(5))).toThrowError(GbcsError);
  });
});
