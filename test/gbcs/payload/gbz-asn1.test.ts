import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../../src/gbcs/payload/index.js';
import * as asn1 from '../../../src/gbcs/payload/asn1/index.js';
import { integerContent, integerValue } from '../../../src/gbcs/payload/asn1/der.js';
import * as gbz from '../../../src/gbcs/payload/gbz/index.js';

const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

function thrown(action: () => unknown): PayloadError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(PayloadError);
    return error as PayloadError;
  }
  throw new Error('expected a PayloadError');
}

describe('GBZ', () => {
  const readResponse: gbz.ZclBody = {
    kind: 'read-attributes-response',
    records: [
      { attributeId: 0x0000, status: 0, dataType: 0x25, value: 123456789 },
      { attributeId: 0x0302, status: 0x86 },
      { attributeId: 0x0300, status: 0, dataType: 0x30, value: 1 },
    ],
  };

  it('encrypts a GPF read response, encodes it, and reads the same values back', () => {
    const key = randomBytes(16);
    const zcl = { frameControl: 0x18, sequence: 4, commandId: 0x01 };
    const component: gbz.GbzComponent = {
      control: 0x03, clusterId: 0x0702, additionalHeader: { control: 0, frameCounter: 0 }, zcl,
      body: gbz.encryptGbzBody(readResponse, { clusterId: 0x0702, zcl }, key, '00DB1234567890A3'),
    };
    const bytes = gbz.encodeGbz({ gbz: 'components', profileId: gbz.GBZ_PROFILE_ID, components: [component] });
    expect(bytes.subarray(0, 6).toString('hex')).toBe('010901030702');
    const decoded = gbz.decodeGbz(bytes, { alert: false });
    expect(decoded).toEqual({ gbz: 'components', profileId: 0x0109, components: [component] });
    const read = decoded.gbz === 'components' ? decoded.components[0]! : component;
    expect(gbz.decryptGbzComponent(read, key, '00DB1234567890A3')).toEqual(readResponse);
    expect(thrown(() => gbz.decryptGbzComponent(read, key, '00DB1234567890A4')).code).toBe('MAC_INVALID');
  });

  it('keeps a plain component with a "from" date-time and several components in order', () => {
    const payload: gbz.GbzPayload = {
      gbz: 'components',
      profileId: 0x0109,
      components: [
        { control: 0x10, clusterId: 0x0702, fromDateTime: 0x1c35f900, zcl: { frameControl: 0, sequence: 0, commandId: 0 }, body: { kind: 'read-attributes', attributeIds: [0, 0x0302] } },
        { control: 0x01, clusterId: 0x0702, zcl: { frameControl: 0x08, sequence: 1, commandId: 0x0b }, body: { kind: 'default-response', commandId: 8, status: 0x8b } },
      ],
    };
    const bytes = gbz.encodeGbz(payload);
    // count 2 | control 10, cluster 0702, length 11, from 1C35F900, ZCL 00 00 00, ids 0000 0302 | control 01 ... default response
    expect(bytes.toString('hex')).toBe(['010902', '10', '0702', '000b', '1c35f900', '000000', '0000', '0203', '01', '0702', '0005', '08010b', '088b'].join(''));
    expect(gbz.decodeGbz(bytes, { alert: false })).toEqual(payload);
  });

  const failures: Array<[what: string, bytes: string, field: RegExp, offset: number]> = [
    ['another profile', '0104 01 01 0702 0003 000000', /profile id/, 0],
    ['no component', '0109 00', /component count/, 2],
    ['a last component not marked last', '0109 01 00 0702 0003 000000', /extended header control/, 3],
    ['a component longer than the payload', '0109 01 01 0702 0009 000000', /component\[0\]/, 8],
    ['a ciphered block too short for its MAC', '0109 01 03 0702 000a 0000 180001 0003 310000', /ciphered information/, 13],
    ['a default response with extra bytes', '0109 01 01 0702 0006 08000b 088b ff', /component\[0\]/, 13],
  ];
  it.each(failures)('refuses %s, naming where', (_what, bytes, field, offset) => {
    const error = thrown(() => gbz.decodeGbz(hex(bytes), { alert: false }));
    expect(error.field).toMatch(field);
    expect(error.offset).toBe(offset);
  });
});

describe('ASN.1 DER', () => {
  it('writes INTEGERs in their minimal two\'s complement form', () => {
    const known: Array<[bigint, string]> = [[0n, '00'], [127n, '7f'], [128n, '0080'], [0x8f8an, '008f8a'], [-1n, 'ff'], [-129n, 'ff7f'], [1003n, '03eb']];
    for (const [value, content] of known) {
      expect(integerContent(value).toString('hex')).toBe(content);
      expect(integerValue(hex(content))).toBe(value);
    }
  });

  it('builds a CCS08 firmware transfer alert and reads it back', () => {
    const alert: asn1.FirmwareTransferAlert = {
      alertCode: 0x8f8a, executionDateTime: new Date('2015-01-01T00:00:00Z'), entityId: '00DB1234567890A4', firmwareVersion: hex('0123abcd'), responseCode: 0,
    };
    const bytes = asn1.encodeAsn1(asn1.firmwareTransferAlert, alert);
    expect(bytes.toString('hex')).toBe('30290203008f8a180f32303135303130313030303030305a040800db1234567890a404040123abcd020100');
    expect(asn1.decodeAsn1(asn1.firmwareTransferAlert, bytes)).toEqual(alert);
  });

  it('reads a NULL or an outcome for the CS06 response, and an optional execution time in the command', () => {
    expect(asn1.decodeAsn1(asn1.activateFirmwareResponse, hex('0500'))).toBeNull();
    expect(asn1.decodeAsn1(asn1.activateFirmwareResponse, hex('300902010004040123abce'))).toEqual({ responseCode: 0, firmwareVersion: hex('0123abce') });
    const immediate = { manufacturerImageHash: Buffer.alloc(32, 0xaa), originatorCounter: 1000 };
    expect(asn1.decodeAsn1(asn1.activateFirmwareCommand, asn1.encodeAsn1(asn1.activateFirmwareCommand, immediate))).toEqual(immediate);
  });

  const failures: Array<[what: string, bytes: string, code: string, field: RegExp]> = [
    ['a BER long length', '3081050201000500', 'BAD_VALUE', /ASN\.1 structure/],
    ['a truncated value', '3029020300', 'BAD_VALUE', /ASN\.1 structure/],
    ['bytes after the structure', '050000', 'BAD_VALUE', /ASN\.1 structure/],
    ['a time that is no date', '30290203008f8a180f32303135313333313030303030305a040800db1234567890a404040123abcd020100', 'BAD_VALUE', /executionDateTime/],
    ['a member of the wrong type', '30290403008f8a180f32303135303130313030303030305a040800db1234567890a404040123abcd020100', 'BAD_TAG', /alertCode/],
    ['a short EUI', '30280203008f8a180f32303135303130313030303030305a0407db1234567890a404040123abcd020100', 'BAD_VALUE', /entityId/],
  ];
  it.each(failures)('refuses %s', (_what, bytes, code, field) => {
    const error = thrown(() => asn1.decodeAsn1(asn1.firmwareTransferAlert, hex(bytes)));
    expect(error.code).toBe(code);
    expect(error.field).toMatch(field);
  });

  it('names the offset of a member that is wrong', () => {
    const error = thrown(() => asn1.decodeAsn1(asn1.firmwareTransferAlert, hex('30290403008f8a180f32303135303130313030303030305a040800db1234567890a404040123abcd020100')));
    expect(error.offset).toBe(2);
  });
});
