import type { Eui64 } from '../../hal/radio.js';
import type { KeyUsage, SecureElement } from '../security/secure-element.js';

/**
 * The hub's SecureElement with its static-static ECDH results remembered. GBCS agrees every MAC key
 * from the same two static Key Agreement keys (the hub's and the Access Control Broker's, or a
 * remote party's), varying only the KDF's other info, so the shared secret for a pair never
 * changes: computing it once instead of once per message is what makes authentication cheap.
 * Entries are keyed by the peer's public key itself, so a replaced certificate is a new entry,
 * and a new key pair of the hub's own (CS02c) forgets every secret of that owner.
 */
export const MAX_CACHED_SECRETS = 64;

export class SecretCachingSecureElement implements SecureElement {
  private readonly secrets = new Map<string, Buffer>();

  constructor(private readonly inner: SecureElement) {}

  publicKey(owner: Eui64, usage: KeyUsage): Promise<Buffer> {
    return this.inner.publicKey(owner, usage);
  }

  async ecdh(owner: Eui64, peerPublicKeyDer: Buffer): Promise<Buffer> {
    // The key itself (91 bytes of SPKI) names the slot: cheaper than hashing it, and exact.
    const slot = `${owner}/${peerPublicKeyDer.toString('base64')}`;
    const held = this.secrets.get(slot);
    if (held) return Buffer.from(held);
    const secret = await this.inner.ecdh(owner, peerPublicKeyDer);
    if (this.secrets.size >= MAX_CACHED_SECRETS) this.secrets.delete(this.secrets.keys().next().value!);
    this.secrets.set(slot, Buffer.from(secret));
    return secret;
  }

  sign(owner: Eui64, usage: KeyUsage, data: Buffer): Promise<Buffer> {
    return this.inner.sign(owner, usage, data);
  }

  async generateKeyPair(owner: Eui64, usage: KeyUsage): Promise<Buffer> {
    const publicKey = await this.inner.generateKeyPair(owner, usage);
    if (usage === 'keyAgreement') for (const slot of [...this.secrets.keys()]) if (slot.startsWith(`${owner}/`)) this.secrets.delete(slot);
    return publicKey;
  }

  dataKey(): Promise<Buffer> {
    return this.inner.dataKey();
  }
}
