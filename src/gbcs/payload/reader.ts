import { ByteReader, encodeLength, hex2, type Refusal } from '../bytes.js';
import { PayloadError } from './errors.js';

export { hex2 };

const refuseInPayload: Refusal = (code, field, message, offset) => {
  throw new PayloadError(code, field, message, offset);
};

/**
 * The cursor over one payload: ByteReader refusing with a PayloadError naming the field and the
 * offset, counted from the start of the payload.
 */
export class PayloadReader extends ByteReader {
  constructor(bytes: Buffer, start = 0, end = bytes.length) {
    super(bytes, start, end, refuseInPayload);
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
