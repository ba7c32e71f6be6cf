import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeReadAttributes,
  decodeReadAttributesResponse,
  decodeZclFrame,
  encodeReadAttributes,
  encodeReadAttributesResponse,
  encodeZclFrame,
  ZCL_DATA_TYPES,
  ZclError,
  type ReadAttributeRecord,
  type ZclHeader,
} from '../../../hal/zcl/index.js';

/** Either a ZclError naming an offset inside the input, or a result; never anything else. */
function safely<T>(decode: () => T, length: number): T | undefined {
  try {
    return decode();
  } catch (error) {
    expect(error).toBeInstanceOf(ZclError);
    const offset = (error as ZclError).offset;
    expect(offset === undefined || (offset >= 0 && offset <= length)).toBe(true);
    return undefined;
  }
}

const header: fc.Arbitrary<ZclHeader> = fc
  .record({
    frameType: fc.constantFrom('global' as const, 'cluster' as const),
    manufacturerCode: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
    direction: fc.constantFrom('clientToServer' as const, 'serverToClient' as const),
    disableDefaultResponse: fc.boolean(),
    sequence: fc.integer({ min: 0, max: 255 }),
    commandId: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ manufacturerCode, ...rest }) => (manufacturerCode === undefined ? rest : { ...rest, manufacturerCode }));

describe('ZCL frame header', () => {
  it('round-trips every header and payload', () => {
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 40 }), (h, payload) => {
        const bytes = encodeZclFrame({ header: h, payload: Buffer.from(payload) });
        expect(bytes.length).toBe((h.manufacturerCode === undefined ? 3 : 5) + payload.length);
        expect(decodeZclFrame(bytes)).toEqual({ header: h, payload: Buffer.from(payload) });
      }),
    );
  });

  it('decodes any bytes to a frame that re-encodes to them (reserved bits aside), or refuses with a ZclError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (raw) => {
        const frame = safely(() => decodeZclFrame(raw), raw.length);
        if (!frame) return;
        const expected = Buffer.from(raw);
        expected[0] = expected[0]! & 0x1f;
        expect(encodeZclFrame(frame).equals(expected)).toBe(true);
      }),
    );
  });

  it('names what is wrong: short headers and reserved frame types', () => {
    expect(() => decodeZclFrame(Buffer.alloc(0))).toThrow(/no frame control byte/);
    expect(() => decodeZclFrame(Buffer.of(0x04, 0x34, 0x12, 0x01))).toThrow(expect.objectContaining({ code: 'ZCL_TRUNCATED', offset: 4 }));
    expect(() => decodeZclFrame(Buffer.of(0x02, 0x01, 0x00))).toThrow(expect.objectContaining({ code: 'ZCL_RESERVED_FRAME_TYPE', offset: 0 }));
    expect(() => encodeZclFrame({ header: { frameType: 'global', direction: 'clientToServer', disableDefaultResponse: false, sequence: 256, commandId: 0 }, payload: Buffer.alloc(0) })).toThrow(ZclError);
  });

  it('lays out a manufacturer-specific server-to-client frame as ZCL says', () => {
    const bytes = encodeZclFrame({
      header: { frameType: 'cluster', manufacturerCode: 0x1234, direction: 'serverToClient', disableDefaultResponse: true, sequence: 7, commandId: 0x0b },
      payload: Buffer.of(0xaa),
    });
    expect(bytes.toString('hex')).toBe('1d3412070baa');
  });
});

const fixedTypes = ZCL_DATA_TYPES.filter((t) => 'size' in t && t.kind !== 'eui64' && t.kind !== 'bool');
const record: fc.Arbitrary<ReadAttributeRecord> = fc.oneof(
  fc.record({ attributeId: fc.integer({ min: 0, max: 0xffff }), status: fc.integer({ min: 1, max: 255 }) }),
  fc.constantFrom(...fixedTypes).chain((type) => {
    const bits = 8 * type.size;
    const value = type.kind === 'int' ? fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 }) : fc.integer({ min: 0, max: Math.min(2 ** bits - 1, Number.MAX_SAFE_INTEGER) });
    return fc.record({ attributeId: fc.integer({ min: 0, max: 0xffff }), status: fc.constant(0 as const), dataType: fc.constant(type.id as number), value });
  }),
  fc.record({ attributeId: fc.integer({ min: 0, max: 0xffff }), status: fc.constant(0 as const), dataType: fc.constant(0x42), value: fc.string({ maxLength: 20 }) }),
  fc.record({ attributeId: fc.integer({ min: 0, max: 0xffff }), status: fc.constant(0 as const), dataType: fc.constant(0xf0), value: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex').toUpperCase()) }),
  fc.record({ attributeId: fc.integer({ min: 0, max: 0xffff }), status: fc.constant(0 as const), dataType: fc.constant(0x10), value: fc.boolean() }),
);

describe('Read Attributes payloads', () => {
  it('round-trip requests and responses', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 20 }), (ids) => {
        expect(decodeReadAttributes(encodeReadAttributes(ids))).toEqual(ids);
      }),
    );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (records) => {
        expect(decodeReadAttributesResponse(encodeReadAttributesResponse(records))).toEqual(records);
      }),
    );
  });

  it('decode any bytes or refuse them with a ZclError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), (raw) => {
        const payload = Buffer.from(raw);
        safely(() => decodeReadAttributes(payload), payload.length);
        const records = safely(() => decodeReadAttributesResponse(payload), payload.length);
        // What decodes re-encodes to the same bytes, except invalid strings (0xFF length) which come back empty.
        if (records && !records.some((r) => 'value' in r && (r.dataType === 0x41 || r.dataType === 0x42))) {
          expect(encodeReadAttributesResponse(records).equals(payload)).toBe(true);
        }
      }),
    );
  });

  it('refuse an odd request length and an unknown data type, naming the offset', () => {
    expect(() => decodeReadAttributes(Buffer.of(0, 0, 1))).toThrow(expect.objectContaining({ code: 'ZCL_BAD_LENGTH', offset: 2 }));
    expect(() => decodeReadAttributesResponse(Buffer.of(0, 0, 0, 0x07, 1))).toThrow(expect.objectContaining({ code: 'ZCL_UNKNOWN_DATA_TYPE', offset: 3 }));
    expect(() => decodeReadAttributesResponse(Buffer.of(0, 0, 0, 0x23, 1, 2))).toThrow(expect.objectContaining({ code: 'ZCL_TRUNCATED', offset: 4 }));
  });
});
