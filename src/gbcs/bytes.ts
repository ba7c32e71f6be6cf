import { GbcsError, type GbcsErrorCode } from './errors.js';

/** How a cursor refuses: the envelope throws a GbcsError, a payload a PayloadError (payload/reader.ts). */
export type Refusal = (code: GbcsErrorCode, field: string, message: string, offset: number) => never;

const refuseInEnvelope: Refusal = (code, field, message, offset) => {
  throw new GbcsError(code, `${field}: ${message}`, { offset });
};

/**
 * The one cursor over GBCS bytes, envelope and payload alike: it refuses to read past its end,
 * and every failure goes through its Refusal naming the field and the offset, so a decoder built
 * on it throws only that error.
 */
export class ByteReader {
  private position: number;

  constructor(
    private readonly bytes: Buffer,
    start = 0,
    private readonly end = bytes.length,
    private readonly refuse: Refusal = refuseInEnvelope,
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
    return this.view(size, field).readUIntBE(0, size);
  }

  /** Little-endian unsigned integer of 1 to 6 bytes (ZCL's order). */
  uintLE(size: number, field: string): number {
    return this.view(size, field).readUIntLE(0, size);
  }

  /** A copy, so decoded values never alias the caller's buffer. */
  take(length: number, field: string): Buffer {
    return Buffer.from(this.view(length, field));
  }

  /** The next `length` bytes without copying (they alias the caller's buffer). */
  view(length: number, field: string): Buffer {
    this.need(length, field);
    const slice = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }

  rest(field: string): Buffer {
    return this.take(this.remaining, field);
  }

  /** A reader over the next `length` bytes (offsets stay those of the whole); this one moves past them. */
  slice(length: number, field: string): ByteReader {
    this.need(length, field);
    const inner = new ByteReader(this.bytes, this.position, this.position + length, this.refuse);
    this.position += length;
    return inner;
  }

  /** A tag byte that must be exactly `expected`. */
  expect(expected: number, field: string): void {
    const at = this.position;
    const actual = this.u8(field);
    if (actual !== expected) this.fail('BAD_TAG', field, `expected 0x${hex2(expected)}, found 0x${hex2(actual)}`, at);
  }

  /**
   * A DLMS/A-XDR length or quantity: one byte below 0x80, else 0x8N followed by N big-endian bytes.
   * Only the shortest form is accepted, so whatever decodes re-encodes to the same bytes.
   */
  length(field: string): number {
    const at = this.position;
    const first = this.u8(field);
    if (first < 0x80) return first;
    const size = first & 0x7f;
    if (size === 0 || size > 3) this.fail('BAD_LENGTH', field, `a length of ${size} bytes is not supported`, at);
    const value = this.uintBE(size, field);
    if (encodeLength(value).length !== this.position - at) this.fail('BAD_LENGTH', field, `${value} is not in its shortest form`, at);
    return value;
  }

  /** Fails unless every byte has been read. */
  finish(field: string): void {
    if (this.remaining > 0) this.fail('LENGTH_MISMATCH', field, `${this.remaining} bytes left over`, this.position);
  }

  fail(code: GbcsErrorCode, field: string, message: string, at = this.position): never {
    return this.refuse(code, field, message, at);
  }

  private need(length: number, field: string): void {
    if (length > this.remaining) this.fail('TRUNCATED', field, `needs ${length} bytes, ${this.remaining} left`);
  }
}

/** The shortest DLMS/A-XDR length form of `value`. */
export function encodeLength(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffff) {
    throw new GbcsError('BAD_VALUE', `length ${value} cannot be encoded`);
  }
  if (value < 0x80) return Buffer.of(value);
  const digits: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) digits.unshift(rest % 256);
  return Buffer.from([0x80 | digits.length, ...digits]);
}

export function hex2(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}
