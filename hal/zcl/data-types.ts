import { ZclError } from './errors.js';

/**
 * ZCL attribute data types the hub reads and writes, as a table: id, name, how the value is laid
 * out, and its "invalid" (non-value) encoding where ZCL defines one. Integers are little-endian.
 */
export type ZclKind = 'bool' | 'bitmap' | 'uint' | 'int' | 'enum' | 'utc' | 'octetString' | 'characterString' | 'eui64';

export interface ZclDataType {
  id: number;
  name: string;
  kind: ZclKind;
  /** Bytes for fixed-size types; strings carry a one-byte length prefix instead. */
  size?: number;
}

export const ZCL_DATA_TYPES = [
  { id: 0x10, name: 'bool', kind: 'bool', size: 1 },
  { id: 0x18, name: 'bitmap8', kind: 'bitmap', size: 1 },
  { id: 0x19, name: 'bitmap16', kind: 'bitmap', size: 2 },
  { id: 0x1b, name: 'bitmap32', kind: 'bitmap', size: 4 },
  { id: 0x20, name: 'uint8', kind: 'uint', size: 1 },
  { id: 0x21, name: 'uint16', kind: 'uint', size: 2 },
  { id: 0x22, name: 'uint24', kind: 'uint', size: 3 },
  { id: 0x23, name: 'uint32', kind: 'uint', size: 4 },
  { id: 0x25, name: 'uint48', kind: 'uint', size: 6 },
  { id: 0x28, name: 'int8', kind: 'int', size: 1 },
  { id: 0x29, name: 'int16', kind: 'int', size: 2 },
  { id: 0x2a, name: 'int24', kind: 'int', size: 3 },
  { id: 0x2b, name: 'int32', kind: 'int', size: 4 },
  { id: 0x30, name: 'enum8', kind: 'enum', size: 1 },
  { id: 0x31, name: 'enum16', kind: 'enum', size: 2 },
  { id: 0x41, name: 'octetString', kind: 'octetString' },
  { id: 0x42, name: 'characterString', kind: 'characterString' },
  { id: 0xe2, name: 'utcTime', kind: 'utc', size: 4 },
  { id: 0xf0, name: 'ieeeAddress', kind: 'eui64', size: 8 },
] as const satisfies readonly ZclDataType[];

export type ZclDataTypeName = (typeof ZCL_DATA_TYPES)[number]['name'];

const BY_ID = new Map<number, ZclDataType>(ZCL_DATA_TYPES.map((type) => [type.id, type]));
const BY_NAME = new Map<string, ZclDataType>(ZCL_DATA_TYPES.map((type) => [type.name, type]));

export function dataTypeById(id: number): ZclDataType | undefined {
  return BY_ID.get(id);
}

export function dataType(name: ZclDataTypeName): ZclDataType {
  return BY_NAME.get(name)!;
}

/** Numbers for numeric kinds, a Buffer for octet strings, a string for character strings and EUI-64s (16 hex digits). */
export type ZclValue = number | boolean | string | Buffer;

function rangeOf(type: ZclDataType): [number, number] {
  const bits = 8 * type.size!;
  return type.kind === 'int' ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

function badValue(type: ZclDataType, value: unknown): ZclError {
  return new ZclError('ZCL_BAD_VALUE', `${JSON.stringify(value) ?? String(value)} is not a ${type.name} value`);
}

function encodeString(type: ZclDataType, bytes: Buffer): Buffer {
  if (bytes.length > 0xfe) throw new ZclError('ZCL_BAD_VALUE', `a ${type.name} holds at most 254 bytes, got ${bytes.length}`);
  return Buffer.concat([Buffer.of(bytes.length), bytes]);
}

export function encodeValue(type: ZclDataType, value: ZclValue): Buffer {
  switch (type.kind) {
    case 'bool':
      if (typeof value !== 'boolean') throw badValue(type, value);
      return Buffer.of(value ? 1 : 0);
    case 'octetString':
      if (!Buffer.isBuffer(value)) throw badValue(type, value);
      return encodeString(type, value);
    case 'characterString':
      if (typeof value !== 'string') throw badValue(type, value);
      return encodeString(type, Buffer.from(value, 'utf8'));
    case 'eui64':
      if (typeof value !== 'string' || !/^[0-9A-Fa-f]{16}$/.test(value)) throw badValue(type, value);
      return Buffer.from(value, 'hex').reverse();
    default: {
      const [min, max] = rangeOf(type);
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw badValue(type, value);
      const out = Buffer.alloc(type.size!);
      if (type.kind === 'int') out.writeIntLE(value, 0, type.size!);
      else out.writeUIntLE(value, 0, type.size!);
      return out;
    }
  }
}

/** Reads one value of `type` at `offset`; returns it and the bytes it took. */
export function decodeValue(type: ZclDataType, bytes: Buffer, offset: number): { value: ZclValue; length: number } {
  const size = type.size ?? 1;
  if (offset + size > bytes.length) {
    throw new ZclError('ZCL_TRUNCATED', `a ${type.name} needs ${size} bytes, ${Math.max(0, bytes.length - offset)} left`, { offset });
  }
  switch (type.kind) {
    case 'bool':
      return { value: bytes[offset] !== 0, length: 1 };
    case 'octetString':
    case 'characterString': {
      const length = bytes[offset]!;
      // 0xFF is ZCL's "invalid string": it carries no characters.
      const count = length === 0xff ? 0 : length;
      if (offset + 1 + count > bytes.length) {
        throw new ZclError('ZCL_TRUNCATED', `a ${type.name} of ${count} bytes runs past the end`, { offset });
      }
      const content = Buffer.from(bytes.subarray(offset + 1, offset + 1 + count));
      return { value: type.kind === 'octetString' ? content : content.toString('utf8'), length: 1 + count };
    }
    case 'eui64':
      return { value: Buffer.from(bytes.subarray(offset, offset + 8)).reverse().toString('hex').toUpperCase(), length: 8 };
    default:
      return { value: type.kind === 'int' ? bytes.readIntLE(offset, size) : bytes.readUIntLE(offset, size), length: size };
  }
}
