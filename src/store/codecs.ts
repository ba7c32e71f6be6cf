import type { Codec } from './store.js';

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON values. Pass a guard to have stored values checked as they are read, so a value written by
 * an older schema (or damaged) fails loudly instead of flowing on as the wrong shape.
 */
export function jsonCodec<V>(guard?: (value: unknown) => value is V): Codec<V> {
  return {
    name: 'json',
    encode(value: V): Uint8Array {
      const text = JSON.stringify(value);
      if (text === undefined) throw new TypeError('value has no JSON form');
      return textEncoder.encode(text);
    },
    decode(bytes: Uint8Array): V {
      const value: unknown = JSON.parse(textDecoder.decode(bytes));
      if (guard && !guard(value)) throw new TypeError('stored JSON does not have the expected shape');
      return value as V;
    },
  };
}

/** Raw bytes, stored as given. */
export const bytesCodec: Codec<Buffer> = {
  name: 'bytes',
  encode: (value) => {
    if (!(value instanceof Uint8Array)) throw new TypeError('value is not bytes');
    return value;
  },
  decode: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
};

export const utf8Codec: Codec<string> = {
  name: 'utf8',
  encode: (value) => {
    if (typeof value !== 'string') throw new TypeError('value is not a string');
    return textEncoder.encode(value);
  },
  decode: (bytes) => textDecoder.decode(bytes),
};
