import { PayloadError } from '../errors.js';
import { PayloadReader, hex2, uintBytes } from '../reader.js';

/**
 * The ZCL pieces GBZ components carry: attribute data types, the profile-wide read-attributes
 * commands and default response, and status codes. ZCL is little-endian throughout.
 */
type ZclKind = { kind: 'uint'; size: number } | { kind: 'int'; size: number } | { kind: 'string' } | { kind: 'bool' };

export const ZCL_DATA_TYPES: ReadonlyMap<number, { name: string } & ZclKind> = new Map<number, { name: string } & ZclKind>([
  [0x10, { name: 'boolean', kind: 'bool' }],
  [0x18, { name: 'bitmap8', kind: 'uint', size: 1 }],
  [0x19, { name: 'bitmap16', kind: 'uint', size: 2 }],
  [0x1b, { name: 'bitmap32', kind: 'uint', size: 4 }],
  [0x20, { name: 'uint8', kind: 'uint', size: 1 }],
  [0x21, { name: 'uint16', kind: 'uint', size: 2 }],
  [0x22, { name: 'uint24', kind: 'uint', size: 3 }],
  [0x23, { name: 'uint32', kind: 'uint', size: 4 }],
  [0x25, { name: 'uint48', kind: 'uint', size: 6 }],
  [0x28, { name: 'int8', kind: 'int', size: 1 }],
  [0x29, { name: 'int16', kind: 'int', size: 2 }],
  [0x2a, { name: 'int24', kind: 'int', size: 3 }],
  [0x2b, { name: 'int32', kind: 'int', size: 4 }],
  [0x30, { name: 'enum8', kind: 'uint', size: 1 }],
  [0x31, { name: 'enum16', kind: 'uint', size: 2 }],
  [0x41, { name: 'octet string', kind: 'string' }],
  [0x42, { name: 'character string', kind: 'string' }],
  [0xe2, { name: 'UTC time', kind: 'uint', size: 4 }],
]);

export const PROFILE_COMMAND = { readAttributes: 0x00, readAttributesResponse: 0x01, defaultResponse: 0x0b } as const;

export type ZclValue = number | Buffer | boolean;

export interface AttributeRecord {
  attributeId: number;
  status: number;
  /** Present when status is success. */
  dataType?: number;
  value?: ZclValue;
}

export function decodeZclValue(reader: PayloadReader, dataType: number, field: string): ZclValue {
  const type = ZCL_DATA_TYPES.get(dataType);
  if (!type) reader.fail('BAD_VALUE', field, `ZCL data type 0x${hex2(dataType)} is not supported`, reader.offset - 1);
  switch (type.kind) {
    case 'uint':
      return reader.uintLE(type.size, field);
    case 'int':
      return reader.take(type.size, field).readIntLE(0, type.size);
    case 'bool': {
      const at = reader.offset;
      const byte = reader.u8(field);
      if (byte > 1) reader.fail('BAD_VALUE', field, `boolean 0x${hex2(byte)} is neither 0 nor 1`, at);
      return byte === 1;
    }
    case 'string':
      return reader.take(reader.u8(`${field} length`), field);
  }
}

export function encodeZclValue(dataType: number, value: ZclValue, field: string): Buffer {
  const type = ZCL_DATA_TYPES.get(dataType);
  if (!type) throw new PayloadError('BAD_VALUE', field, `ZCL data type 0x${hex2(dataType)} is not supported`);
  if (type.kind === 'bool' && typeof value === 'boolean') return Buffer.of(value ? 1 : 0);
  if (type.kind === 'string' && Buffer.isBuffer(value)) return Buffer.concat([uintBytes(value.length, 1, `${field} length`), value]);
  if (type.kind === 'uint' && typeof value === 'number') return uintBytes(value, type.size, field, 'LE');
  if (type.kind === 'int' && typeof value === 'number') {
    const limit = 2 ** (8 * type.size - 1);
    if (!Number.isInteger(value) || value < -limit || value >= limit) throw new PayloadError('BAD_VALUE', field, `${value} does not fit ${type.name}`);
    const bytes = Buffer.alloc(type.size);
    bytes.writeIntLE(value, 0, type.size);
    return bytes;
  }
  throw new PayloadError('BAD_VALUE', field, `a ${typeof value} is not a ${type.name}`);
}

export function decodeReadAttributes(reader: PayloadReader): number[] {
  const ids: number[] = [];
  while (!reader.atEnd) ids.push(reader.uintLE(2, `attribute id[${ids.length}]`));
  return ids;
}

export function encodeReadAttributes(ids: readonly number[]): Buffer {
  return Buffer.concat(ids.map((id, i) => uintBytes(id, 2, `attribute id[${i}]`, 'LE')));
}

export function decodeReadAttributesResponse(reader: PayloadReader): AttributeRecord[] {
  const records: AttributeRecord[] = [];
  while (!reader.atEnd) {
    const field = `attribute record[${records.length}]`;
    const attributeId = reader.uintLE(2, `${field} attribute id`);
    const status = reader.u8(`${field} status`);
    if (status !== 0) {
      records.push({ attributeId, status });
      continue;
    }
    const dataType = reader.u8(`${field} data type`);
    records.push({ attributeId, status, dataType, value: decodeZclValue(reader, dataType, `${field} value`) });
  }
  return records;
}

export function encodeReadAttributesResponse(records: readonly AttributeRecord[]): Buffer {
  return Buffer.concat(
    records.map((record, i) => {
      const field = `attribute record[${i}]`;
      const head = Buffer.concat([uintBytes(record.attributeId, 2, `${field} attribute id`, 'LE'), uintBytes(record.status, 1, `${field} status`)]);
      if (record.status !== 0) return head;
      if (record.dataType === undefined || record.value === undefined) throw new PayloadError('BAD_VALUE', field, 'a successful record needs a data type and value');
      return Buffer.concat([head, uintBytes(record.dataType, 1, `${field} data type`), encodeZclValue(record.dataType, record.value, `${field} value`)]);
    }),
  );
}
