import { PayloadError } from '../errors.js';
import { PayloadReader, encodeAxdrLength, hex2 } from '../reader.js';
import { TAG_BY_TYPE, TYPE_BY_TAG, type DlmsData, type DlmsType, type TypeDescription } from './types.js';

/** Deeper nesting than this is refused rather than risking the stack on hostile input. */
const MAX_DEPTH = 24;

/** Counts nodes, so a compact array of empty structures cannot make a few bytes expand without bound. */
class Budget {
  private left: number;
  constructor(payloadLength: number) {
    this.left = payloadLength * 4 + 64;
  }
  spend(reader: PayloadReader, field: string): void {
    if (--this.left < 0) reader.fail('BAD_VALUE', field, 'too many elements for the size of the payload');
  }
}

export interface DataContext {
  budget: Budget;
}

export function dataContext(payloadLength: number): DataContext {
  return { budget: new Budget(payloadLength) };
}

/** One tagged Data value. */
export function decodeData(reader: PayloadReader, context: DataContext, field = 'data', depth = 0): DlmsData {
  const at = reader.offset;
  if (depth > MAX_DEPTH) reader.fail('BAD_VALUE', field, `nested deeper than ${MAX_DEPTH}`);
  context.budget.spend(reader, field);
  const tag = reader.u8(`${field} type tag`);
  const entry = TYPE_BY_TAG.get(tag);
  if (!entry) reader.fail('BAD_TAG', field, `0x${hex2(tag)} is not a DLMS data type`, at);
  if (entry.type === 'array' || entry.type === 'structure') {
    const count = reader.length(`${field} element count`);
    const items: DlmsData[] = [];
    for (let i = 0; i < count; i++) items.push(decodeData(reader, context, `${field}[${i}]`, depth + 1));
    return { type: entry.type, items, at };
  }
  if (entry.type === 'compact-array') return decodeCompactArray(reader, context, field, depth, at);
  return decodeScalar(reader, entry.type, field, at);
}

function decodeScalar(reader: PayloadReader, type: DlmsType, field: string, at: number): DlmsData {
  const layout = TAG_BY_TYPE.get(type)!.layout;
  switch (layout.kind) {
    case 'none':
      return { type: 'null-data', at };
    case 'boolean': {
      const byte = reader.u8(field);
      // Only the two canonical forms, so that a decoded value re-encodes to the same byte.
      if (byte !== 0x00 && byte !== 0xff) reader.fail('BAD_VALUE', field, `boolean 0x${hex2(byte)} is neither 0x00 nor 0xFF`, at + 1);
      return { type: 'boolean', value: byte === 0xff, at };
    }
    case 'bits': {
      const bits = reader.length(`${field} bit count`);
      return { type: 'bit-string', bits, value: reader.take(Math.ceil(bits / 8), field), at };
    }
    case 'text':
      return { type: 'visible-string', value: reader.take(reader.length(`${field} length`), field).toString('latin1'), at };
    case 'octets': {
      const size = layout.size ?? reader.length(`${field} length`);
      return { type, value: reader.take(size, field), at } as DlmsData;
    }
    case 'int': {
      const bytes = reader.take(layout.size, field);
      const value = layout.signed ? bytes.readIntBE(0, layout.size) : bytes.readUIntBE(0, layout.size);
      return { type, value, at } as DlmsData;
    }
    case 'bigint': {
      const bytes = reader.take(8, field);
      return { type, value: layout.signed ? bytes.readBigInt64BE() : bytes.readBigUInt64BE(), at } as DlmsData;
    }
    case 'container':
      throw new PayloadError('BAD_TAG', field, `${type} is not a scalar`, at);
  }
}

function decodeCompactArray(reader: PayloadReader, context: DataContext, field: string, depth: number, at: number): DlmsData {
  const description = decodeDescription(reader, `${field} type description`, depth + 1);
  const contents = reader.slice(reader.length(`${field} contents length`), `${field} contents`);
  const items: DlmsData[] = [];
  while (!contents.atEnd) {
    const before = contents.offset;
    items.push(decodeUntagged(contents, context, description, `${field}[${items.length}]`, depth + 1));
    if (contents.offset === before) contents.fail('BAD_VALUE', field, 'a compact array element of no bytes cannot be counted');
  }
  return { type: 'compact-array', description, items, at };
}

function decodeDescription(reader: PayloadReader, field: string, depth: number): TypeDescription {
  const at = reader.offset;
  if (depth > MAX_DEPTH) reader.fail('BAD_VALUE', field, `nested deeper than ${MAX_DEPTH}`);
  const tag = reader.u8(field);
  const entry = TYPE_BY_TAG.get(tag);
  if (!entry || entry.type === 'compact-array') reader.fail('BAD_TAG', field, `0x${hex2(tag)} cannot describe a compact array element`, at);
  if (entry.type === 'array') {
    const count = reader.uintBE(2, `${field} element count`);
    return { type: 'array', count, element: decodeDescription(reader, `${field} element`, depth + 1) };
  }
  if (entry.type === 'structure') {
    const count = reader.length(`${field} member count`);
    const items: TypeDescription[] = [];
    for (let i = 0; i < count; i++) items.push(decodeDescription(reader, `${field}[${i}]`, depth + 1));
    return { type: 'structure', items };
  }
  return { type: entry.type };
}

function decodeUntagged(reader: PayloadReader, context: DataContext, description: TypeDescription, field: string, depth: number): DlmsData {
  const at = reader.offset;
  context.budget.spend(reader, field);
  if (description.type === 'array') {
    const items: DlmsData[] = [];
    for (let i = 0; i < description.count; i++) items.push(decodeUntagged(reader, context, description.element, `${field}[${i}]`, depth + 1));
    return { type: 'array', items, at };
  }
  if (description.type === 'structure') {
    const items = description.items.map((item, i) => decodeUntagged(reader, context, item, `${field}[${i}]`, depth + 1));
    return { type: 'structure', items, at };
  }
  return decodeScalar(reader, description.type, field, at);
}

/** One Data value, tagged. The exact inverse of decodeData. */
export function encodeData(data: DlmsData, field = 'data'): Buffer {
  const entry = TAG_BY_TYPE.get(data.type);
  if (!entry) throw new PayloadError('BAD_VALUE', field, `${String(data.type)} is not a DLMS data type`);
  if (data.type === 'array' || data.type === 'structure') {
    const items = data.items.map((item, i) => encodeData(item, `${field}[${i}]`));
    return Buffer.concat([Buffer.of(entry.tag), encodeAxdrLength(items.length, field), ...items]);
  }
  if (data.type === 'compact-array') {
    const contents = Buffer.concat(data.items.map((item, i) => encodeUntagged(item, data.description, `${field}[${i}]`)));
    return Buffer.concat([Buffer.of(entry.tag), encodeDescription(data.description, field), encodeAxdrLength(contents.length, field), contents]);
  }
  return Buffer.concat([Buffer.of(entry.tag), encodeScalar(data, field)]);
}

function encodeDescription(description: TypeDescription, field: string): Buffer {
  const tag = TAG_BY_TYPE.get(description.type)?.tag;
  if (tag === undefined) throw new PayloadError('BAD_VALUE', field, `${description.type} cannot describe an element`);
  if (description.type === 'array') {
    const count = Buffer.alloc(2);
    count.writeUInt16BE(description.count);
    return Buffer.concat([Buffer.of(tag), count, encodeDescription(description.element, field)]);
  }
  if (description.type === 'structure') {
    return Buffer.concat([Buffer.of(tag), encodeAxdrLength(description.items.length, field), ...description.items.map((item) => encodeDescription(item, field))]);
  }
  return Buffer.of(tag);
}

function encodeUntagged(data: DlmsData, description: TypeDescription, field: string): Buffer {
  if (data.type !== description.type) throw new PayloadError('BAD_VALUE', field, `a ${data.type} where the description says ${description.type}`);
  if (description.type === 'array' && data.type === 'array') {
    if (data.items.length !== description.count) throw new PayloadError('BAD_VALUE', field, `${data.items.length} elements, the description says ${description.count}`);
    return Buffer.concat(data.items.map((item, i) => encodeUntagged(item, description.element, `${field}[${i}]`)));
  }
  if (description.type === 'structure' && data.type === 'structure') {
    if (data.items.length !== description.items.length) throw new PayloadError('BAD_VALUE', field, 'member count differs from the description');
    return Buffer.concat(data.items.map((item, i) => encodeUntagged(item, description.items[i]!, `${field}[${i}]`)));
  }
  return encodeScalar(data, field);
}

function encodeScalar(data: DlmsData, field: string): Buffer {
  const layout = TAG_BY_TYPE.get(data.type)!.layout;
  switch (data.type) {
    case 'null-data':
      return Buffer.alloc(0);
    case 'boolean':
      return Buffer.of(data.value ? 0xff : 0x00);
    case 'bit-string':
      if (data.value.length !== Math.ceil(data.bits / 8)) throw new PayloadError('BAD_VALUE', field, `${data.bits} bits need ${Math.ceil(data.bits / 8)} bytes`);
      return Buffer.concat([encodeAxdrLength(data.bits, field), data.value]);
    case 'visible-string':
      return withLength(Buffer.from(data.value, 'latin1'), field);
    case 'long64':
    case 'long64-unsigned': {
      const bytes = Buffer.alloc(8);
      try {
        if (data.type === 'long64') bytes.writeBigInt64BE(data.value);
        else bytes.writeBigUInt64BE(data.value);
      } catch {
        throw new PayloadError('BAD_VALUE', field, `${data.value} does not fit a ${data.type}`);
      }
      return bytes;
    }
    case 'array':
    case 'structure':
    case 'compact-array':
      throw new PayloadError('BAD_VALUE', field, `${data.type} is not a scalar`);
    default:
      return encodeFixed(data, layout, field);
  }
}

function encodeFixed(data: DlmsData, layout: NonNullable<ReturnType<typeof TAG_BY_TYPE.get>>['layout'], field: string): Buffer {
  if (layout.kind === 'octets' && Buffer.isBuffer((data as { value: unknown }).value)) {
    const value = (data as { value: Buffer }).value;
    if (layout.size === undefined) return withLength(value, field);
    if (value.length !== layout.size) throw new PayloadError('BAD_VALUE', field, `a ${data.type} is ${layout.size} bytes, not ${value.length}`);
    return Buffer.from(value);
  }
  if (layout.kind === 'int' && typeof (data as { value: unknown }).value === 'number') {
    const value = (data as { value: number }).value;
    const limit = 2 ** (8 * layout.size);
    const [low, high] = layout.signed ? [-limit / 2, limit / 2] : [0, limit];
    if (!Number.isInteger(value) || value < low || value >= high) throw new PayloadError('BAD_VALUE', field, `${value} does not fit a ${data.type}`);
    const bytes = Buffer.alloc(layout.size);
    if (layout.signed) bytes.writeIntBE(value, 0, layout.size);
    else bytes.writeUIntBE(value, 0, layout.size);
    return bytes;
  }
  throw new PayloadError('BAD_VALUE', field, `a ${data.type} with a value of the wrong kind`);
}

function withLength(value: Buffer, field: string): Buffer {
  return Buffer.concat([encodeAxdrLength(value.length, field), value]);
}

/** Decode a whole buffer as one Data value (for tests and tools). */
export function decodeDataBytes(bytes: Buffer): DlmsData {
  const reader: PayloadReader = new PayloadReader(bytes);
  const data = decodeData(reader, dataContext(bytes.length));
  reader.finish('data');
  return data;
}

export function isType<T extends DlmsType>(data: DlmsData, type: T): data is Extract<DlmsData, { type: T }> {
  return data.type === type;
}
