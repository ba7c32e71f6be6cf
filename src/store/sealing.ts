import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { StoreError } from './errors.js';

/**
 * Encryption at rest for personal domains. One data key from the SecureElement is split (HKDF-SHA-256)
 * into independent subkeys: one for AES-256-GCM over values, one for hashing personal keys, one to
 * recognise the key at open. A sealed value is
 *   format (1 byte, 0x01) | IV (12 random bytes) | GCM tag (16) | ciphertext
 * with the domain name and stored key as associated data, so a value copied to another key or domain
 * fails authentication instead of decrypting.
 */
const FORMAT = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const LABEL = 'gb-hub store v1';

function subkey(dataKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), `${LABEL} ${purpose}`, 32));
}

function associatedData(domain: string, storedKey: string): Buffer {
  return Buffer.from(`${LABEL}\0${domain}\0${storedKey}`, 'utf8');
}

export class Sealer {
  private readonly valueKey: Buffer;
  private readonly keyHashKey: Buffer;
  /** A public fingerprint of the data key, kept in `meta` to catch a wrong key at open. */
  readonly fingerprint: string;

  constructor(dataKey: Buffer) {
    if (dataKey.length !== 32) {
      throw new StoreError('STORE_NO_DATA_KEY', `the data key must be 32 bytes, got ${dataKey.length}`);
    }
    this.valueKey = subkey(dataKey, 'value');
    this.keyHashKey = subkey(dataKey, 'key-hash');
    this.fingerprint = subkey(dataKey, 'fingerprint').subarray(0, 16).toString('hex');
  }

  seal(domain: string, storedKey: string, plaintext: Uint8Array): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.valueKey, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(domain, storedKey));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.of(FORMAT), iv, cipher.getAuthTag(), body]);
  }

  open(domain: string, storedKey: string, sealed: Uint8Array): Buffer {
    const where = `${domain}/${storedKey}`;
    const bytes = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
    if (bytes.length < HEADER_BYTES || bytes[0] !== FORMAT) {
      throw new StoreError('STORE_TAMPERED', 'the stored value is not a sealed value (damaged or written unencrypted)', { where });
    }
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const tag = bytes.subarray(1 + IV_BYTES, HEADER_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.valueKey, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(domain, storedKey));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES)), decipher.final()]);
    } catch (cause) {
      throw new StoreError('STORE_TAMPERED', 'the encrypted value failed authentication (changed on disk or moved from another key)', { where, cause });
    }
  }

  /** HMAC-SHA-256 of a personal key, bound to its domain; 64 hex digits. */
  hashKey(domain: string, key: string): string {
    return createHmac('sha256', this.keyHashKey).update(`${domain}\0${key}`, 'utf8').digest('hex');
  }

  matches(fingerprint: string): boolean {
    const a = Buffer.from(fingerprint, 'utf8');
    const b = Buffer.from(this.fingerprint, 'utf8');
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
