import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { HubError } from '../../hal/errors.js';

/**
 * PINs are stored only as salted scrypt hashes, with the parameters beside each hash so they can be
 * raised later: a hash made with weaker parameters is re-made with the current ones the next time
 * its PIN is proved (see `needsRehash`).
 *
 * Parameters: N = 2^13, r = 8, p = 1 (8 MiB of memory), 32-byte output, 16-byte random salt.
 * Measured with `npm run bench -- --suite pin`: about 24 ms per hash on one core of this build
 * machine (AMD EPYC); N = 2^14 took about 48 ms and 2^15 about 100 ms. A Raspberry Pi-class core is
 * roughly three to four times slower at scrypt, so 2^13 keeps a verification under ~100 ms there
 * while 2^14 would not. A PIN has little entropy whatever the hash, so the attempt limit
 * (pin-attempts.ts) is the guard against guessing; the hash only has to make a copied store costly
 * to brute-force, and personal domains are encrypted at rest besides.
 */
export interface ScryptParameters {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
  /** Output bytes. */
  keyLength: number;
}

export const PIN_SCRYPT: Readonly<ScryptParameters> = { N: 2 ** 13, r: 8, p: 1, keyLength: 32 };
export const PIN_SALT_BYTES = 16;

/** What is stored for a PIN: never the PIN, only this. */
export interface PinHash {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  keyLength: number;
  /** Base64. */
  salt: string;
  /** Base64. */
  hash: string;
}

export class PinHashError extends HubError {}

/** Limits that keep a damaged or hostile record from asking for gigabytes or hours. */
const MAX_N = 2 ** 20;
const MAX_RP = 64;

function checkParameters(parameters: ScryptParameters, where: string): void {
  const { N, r, p, keyLength } = parameters;
  const powerOfTwo = Number.isInteger(N) && N >= 2 && N <= MAX_N && (N & (N - 1)) === 0;
  const small = (n: number) => Number.isInteger(n) && n >= 1 && n <= MAX_RP;
  if (!powerOfTwo || !small(r) || !small(p) || !Number.isInteger(keyLength) || keyLength < 16 || keyLength > 64) {
    throw new PinHashError('PIN_HASH_BAD_PARAMETERS', `scrypt parameters out of range (N a power of two up to 2^20, r and p 1-${MAX_RP}, 16-64 output bytes)`, { where });
  }
}

function derive(pin: string, salt: Buffer, parameters: ScryptParameters): Promise<Buffer> {
  const { N, r, p, keyLength } = parameters;
  // Node's default limit (32 MiB) is below what larger N need; allow exactly what is asked plus slack.
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * p + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(pin.normalize('NFKC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function hashPin(pin: string, parameters: ScryptParameters = PIN_SCRYPT): Promise<PinHash> {
  checkParameters(parameters, 'pin hash');
  const salt = randomBytes(PIN_SALT_BYTES);
  const hash = await derive(pin, salt, parameters);
  return { algorithm: 'scrypt', ...pick(parameters), salt: salt.toString('base64'), hash: hash.toString('base64') };
}

function pick({ N, r, p, keyLength }: ScryptParameters): ScryptParameters {
  return { N, r, p, keyLength };
}

/** Whether `pin` is the one `stored` was made from; compared in constant time. */
export async function pinMatches(pin: string, stored: PinHash): Promise<boolean> {
  checkPinHash(stored, 'stored PIN');
  const expected = Buffer.from(stored.hash, 'base64');
  const actual = await derive(pin, Buffer.from(stored.salt, 'base64'), stored);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** True when `stored` was made with weaker parameters than `current`. */
export function needsRehash(stored: PinHash, current: ScryptParameters = PIN_SCRYPT): boolean {
  return stored.N < current.N || stored.r < current.r || stored.p < current.p || stored.keyLength < current.keyLength;
}

/** Rejects a record that is not a PinHash (damaged, or from an unknown format). */
export function checkPinHash(value: unknown, where: string): asserts value is PinHash {
  const record = value as Partial<PinHash> | null;
  const base64 = (text: unknown) => typeof text === 'string' && text.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(text);
  if (typeof record !== 'object' || record === null || record.algorithm !== 'scrypt' || !base64(record.salt) || !base64(record.hash)) {
    throw new PinHashError('PIN_HASH_INVALID', 'not a scrypt PIN hash record', { where });
  }
  checkParameters(record as ScryptParameters, where);
  if (Buffer.from(record.hash!, 'base64').length !== record.keyLength) {
    throw new PinHashError('PIN_HASH_INVALID', 'the hash length does not match its parameters', { where });
  }
}
