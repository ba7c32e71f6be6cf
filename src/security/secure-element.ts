/**
 * The SecureElement seam: it holds the hub's private keys (the CHF's and the GPF's Digital Signing
 * and Key Agreement keys, and the store's data key) and does the operations that need them. A
 * private key never leaves it; callers get shared secrets, signatures and public keys.
 */
import type { Eui64 } from '../../hal/radio.js';

export type KeyUsage = 'digitalSigning' | 'keyAgreement';

export interface SecureElement {
  /** The DER (SPKI) public key of one of the hub's own key pairs. */
  publicKey(owner: Eui64, usage: KeyUsage): Promise<Buffer>;
  /** Static-static ECDH on P-256 with our Key Agreement key: the raw 32-byte shared secret. */
  ecdh(owner: Eui64, peerPublicKeyDer: Buffer): Promise<Buffer>;
  /** ECDSA P-256 over SHA-256 with our Digital Signing key: the 64-byte r||s signature. */
  sign(owner: Eui64, usage: KeyUsage, data: Buffer): Promise<Buffer>;
  /** Make a new key pair for `owner` (CS02 key issue) and return its public key. */
  generateKeyPair(owner: Eui64, usage: KeyUsage): Promise<Buffer>;
  /** The symmetric key that encrypts personal data at rest. */
  dataKey(): Promise<Buffer>;
}
