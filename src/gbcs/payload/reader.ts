import { encodeLength, hex2 } from '../bytes.js';
import { PayloadError } from './errors.js';

export { hex2 };

/**
 * A cursor over one payload. Offsets are counted from the start of the payload; every failure is a
 * PayloadError naming the offset and the field being read.
 */
export class PayloadReader {
  private position: number;

  constructor(
    private readonly bytes: Buffer,
    start = 0,
    private readonly end = bytes.length,
  ) {
    this.position = start;
  }

  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  get atEnd(): boolean {
    return this.position >= this.end;
  }

  peek(field: string): number {
    this.need(1, field);
    return this.bytes[this.position]!;
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.position++]!;
  }

  /** Big-endian unsigned integer of 1 to 6 bytes. */
  uintBE(size: number, field: string): number {
    return this.take(size, field).readUIntBE(0, size);
  }

  /** Little-endian unsigned integer of 1 to 6 bytes (ZCL's order). */
  uintLE(size: number, field: string): number {
    return this.take(size, field).readUIntLE(0, size);
  }

  /** A copy, so decoded values never alias the caller's buffer. */
  take(length: number, field: string): Buffer {
    this.need(length, field);
    const slice = Buffer.from(this.bytes.subarray(this.position, this.position + length));
    this.position += length;
    return slice;
  }

  rest(field: string): Buffer {
    return this.take(this.remaining, field);
  }

  /** A reader over the next `length` bytes (offsets stay payload-relative); this one moves past them. */
  slice(length: number, field: string): PayloadReader {
    this.need(length, field);
    const inner = new PayloadReader(this.bytes, this.position, this.position + length);
    this.position += length;
    return inner;
  }

  expect(expected: number, field: string): void {
    const at = this.position;
    const actual = this.u8(field);
    if (actual !== expected) this.fail('BAD_TAG', field, `expected 0x${hex2(expected)}, found 0x${hex2(actual)}`, at);
  }

  /**
   * An A-XDR length or quantity: one byte below 0x80, else 0x8N and N big-endian bytes. Only the
   * shortest form is accepted, so whatever decodes re-encodes to the same bytes.
   */
  length(field: string): number {
    const at = this.position;
    const first = this.u8(field);
    if (first < 0x80) return first;
    const size = first & 0x7f;
    if (size === 0 || size > 3) this.fail('BAD_LENGTH', field, `a length of ${size} bytes is not supported`, at);
    const value = this.uintBE(size, field);
    if (encodeAxdrLength(value).length !== this.position - at) this.fail('BAD_LENGTH', field, `${value} is not in its shortest form`, at);
    return value;
  }

  /** Fails unless every byte has been read. */
  finish(field: string): void {
    if (this.remaining > 0) this.fail('LENGTH_MISMATCH', field, `${this.remaining} bytes left over`, this.position);
  }

  fail(code: PayloadError['code'], field: string, message: string, at = this.position): never {
    throw new PayloadError(code, field, message, at);
  }

  private need(length: number, field: string): void {
    if (length > this.remaining) this.fail('TRUNCATED', field, `needs ${length} bytes, ${this.remaining} left`);
  }
}

/** The shortest A-XDR length form of `value` (the envelope's own encoder, refusing with this payload's error). */
export function encodeAxdrLength(value: number, field = 'length'): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffff) throw new PayloadError('BAD_VALUE', field, `${value} cannot be encoded as a length`);
  return encodeLength(value);
}

/** An unsigned integer in `size` bytes, refusing what does not fit. */
export function uintBytes(value: number, size: number, field: string, order: 'BE' | 'LE' = 'BE'): Buffer {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * size)) {
    throw new PayloadError('BAD_VALUE', field, `${value} does not fit in ${size} unsigned bytes`);
  }
  const bytes = Buffer.alloc(size);
  if (order === 'BE') bytes.writeUIntBE(value, 0, size);
  else bytes.writeUIntLE(value, 0, size);
  return bytes;
}

export function hex4(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}
