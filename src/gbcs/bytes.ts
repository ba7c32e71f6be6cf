import { GbcsError } from './errors.js';

/**
 * A cursor over a message that refuses to read past the end. Every failure is a GbcsError naming
 * the offset, so a decoder built on it can only throw that.
 */
export class ByteReader {
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

  u8(what: string): number {
    this.need(1, what);
    return this.bytes[this.position++]!;
  }

  take(length: number, what: string): Buffer {
    this.need(length, what);
    const slice = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    return slice;
  }

  /** A reader over the next `length` bytes (offsets stay absolute); this one moves past them. */
  slice(length: number, what: string): ByteReader {
    this.need(length, what);
    const inner = new ByteReader(this.bytes, this.position, this.position + length);
    this.position += length;
    return inner;
  }

  /** A tag byte that must be exactly `expected`. */
  expect(expected: number, what: string): void {
    const at = this.position;
    const actual = this.u8(what);
    if (actual !== expected) {
      throw new GbcsError('BAD_TAG', `${what}: expected 0x${hex2(expected)}, found 0x${hex2(actual)}`, { offset: at });
    }
  }

  /**
   * A DLMS/A-XDR length: one byte below 0x80, else 0x8N followed by N big-endian bytes. Only the
   * shortest form is accepted, so every accepted message re-encodes to the same bytes.
   */
  length(what: string): number {
    const at = this.position;
    const first = this.u8(what);
    if (first < 0x80) return first;
    const size = first & 0x7f;
    if (size === 0 || size > 3) {
      throw new GbcsError('BAD_LENGTH', `${what}: a length of ${size} bytes is not supported`, { offset: at });
    }
    let value = 0;
    for (const byte of this.take(size, what)) value = value * 256 + byte;
    if (!encodeLength(value).equals(this.bytes.subarray(at, this.position))) {
      throw new GbcsError('BAD_LENGTH', `${what}: ${value} is not in its shortest length form`, { offset: at });
    }
    return value;
  }

  private need(length: number, what: string): void {
    if (length > this.remaining) {
      throw new GbcsError('TRUNCATED', `${what}: needs ${length} bytes, ${this.remaining} left`, { offset: this.position });
    }
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
