import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, macAuthenticatedData, macMatches, computeMac } from '../../src/gbcs/index.js';
import { sampleCommand } from './sample.js';

const KEY = Buffer.alloc(16, 7);

describe('the MAC of a received message is checked over the bytes as they arrived', () => {
  it('covers exactly what encoding the decoded message again would, for any payload, counter and signature', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.option(fc.uint8Array({ minLength: 64, maxLength: 64 })), (payload, counter, signature) => {
        const built = sampleCommand({ originatorCounter: counter });
        const bytes = encodeMessage({ ...built, payload: Buffer.from(payload), signature: signature ? Buffer.from(signature) : 'empty' });
        const decoded = decodeMessage(bytes);
        expect(macAuthenticatedData(decoded).equals(macAuthenticatedData({ ...decoded }))).toBe(true);
      }),
    );
  });

  it('does not follow the input buffer when the caller reuses it after decoding', () => {
    const message = sampleCommand();
    const sealed = encodeMessage({ ...message, mac: computeMac(KEY, message) });
    const input = Buffer.from(sealed);
    const decoded = decodeMessage(input);
    input.fill(0);
    expect(macMatches(KEY, decoded)).toBe(true);
  });

  it('uses the encoding again for a message changed by building a new one from the decoded one', () => {
    const message = sampleCommand();
    const decoded = decodeMessage(encodeMessage({ ...message, mac: computeMac(KEY, message) }));
    expect(macMatches(KEY, decoded)).toBe(true);
    const changed = { ...decoded, payload: Buffer.from('d9200005160004', 'hex') };
    expect(macMatches(KEY, changed)).toBe(false);
  });
});
