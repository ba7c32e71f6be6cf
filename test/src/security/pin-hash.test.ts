import { describe, expect, it } from 'vitest';
import { checkPinHash, hashPin, needsRehash, PIN_SALT_BYTES, PIN_SCRYPT, pinMatches, PinHashError } from '../../../src/security/pin-hash.js';
import { TEST_SCRYPT } from './pin-helpers.js';

describe('PIN hashes', () => {
  it('hash with the default parameters and a fresh salt each time, and match only the same PIN', async () => {
    const a = await hashPin('482910');
    const b = await hashPin('482910');
    expect(a).toMatchObject({ algorithm: 'scrypt', N: 8192, r: 8, p: 1, keyLength: 32 });
    expect(Buffer.from(a.salt, 'base64')).toHaveLength(PIN_SALT_BYTES);
    expect(a.salt).not.toBe(b.salt);
    expect(a.hash).not.toBe(b.hash);
    expect(await pinMatches('482910', a)).toBe(true);
    expect(await pinMatches('482910', b)).toBe(true);
    expect(await pinMatches('482911', a)).toBe(false);
    expect(await pinMatches('', a)).toBe(false);
    expect(JSON.stringify(a)).not.toContain('482910');
  });

  it('know when a hash was made with weaker parameters than the current ones', async () => {
    const weak = await hashPin('482910', TEST_SCRYPT);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(weak, TEST_SCRYPT)).toBe(false);
    expect(needsRehash({ ...weak, N: PIN_SCRYPT.N, r: PIN_SCRYPT.r, p: PIN_SCRYPT.p })).toBe(false);
    expect(needsRehash({ ...weak, N: PIN_SCRYPT.N, p: PIN_SCRYPT.p, r: 4 })).toBe(true);
  });

  it('refuse damaged or hostile records and parameters before any work', async () => {
    const good = await hashPin('482910', TEST_SCRYPT);
    const bad: unknown[] = [
      null,
      'scrypt',
      { ...good, algorithm: 'md5' },
      { ...good, N: 1000 },
      { ...good, N: 2 ** 24 },
      { ...good, r: 0 },
      { ...good, p: 1000 },
      { ...good, keyLength: 8 },
      { ...good, salt: '' },
      { ...good, hash: 'not base64!' },
      { ...good, hash: Buffer.alloc(16).toString('base64') },
    ];
    for (const record of bad) {
      expect(() => checkPinHash(record, 'test'), JSON.stringify(record)).toThrow(PinHashError);
      await expect(pinMatches('482910', record as never)).rejects.toBeInstanceOf(PinHashError);
    }
    await expect(hashPin('482910', { ...TEST_SCRYPT, N: 3 })).rejects.toMatchObject({ code: 'PIN_HASH_BAD_PARAMETERS' });
  });
});
