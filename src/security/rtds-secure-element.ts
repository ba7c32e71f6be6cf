import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HubError } from '../../hal/errors.js';
import { parseEui64 } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import { TrustStore, parseCertificate, type Credential } from './certificates.js';
import type { KeyUsage, SecureElement } from './secure-element.js';

/**
 * The SecureElement for tests against the DCC's Reference Test Data Set. The keystore holds the
 * Devices' certificates but only the remote parties' private keys. ECDH is symmetric, so the shared
 * secret a Device would compute with its private key and a remote party's public key is computed
 * here from the remote party's private key and the Device's certified public key: the keys derived
 * are exactly a real hub's, and its MACs can be compared byte for byte with the vectors.
 * A Device cannot sign here unless `generateKeyPair` (or `generateMissingSigningKeys`) gave it a
 * new key.
 */
export class SecureElementError extends HubError {}

const USAGE_BY_SUFFIX: Readonly<Record<string, KeyUsage>> = { ds: 'digitalSigning', ka: 'keyAgreement' };
/** `<eui>[-pp]-<ds|ka>.<pem|key>`; `-pp-` marks a supplier's prepayment key. */
const FILE_NAME = /^([0-9a-f]{16})(-pp)?-(ds|ka)\.(pem|key)$/i;

interface PrivateKeyEntry {
  eui: Eui64;
  usage: KeyUsage;
  prepayment: boolean;
  key: KeyObject;
  /** SPKI DER of the matching public key, to find the entry from a peer's public key. */
  publicKeyDer: Buffer;
}

export class RtdsSecureElement implements SecureElement {
  private readonly generated = new Map<string, KeyObject>();
  private readonly storeKey = randomBytes(32);

  constructor(
    private readonly certificates: TrustStore,
    private readonly privateKeys: readonly PrivateKeyEntry[],
  ) {}

  async publicKey(owner: Eui64, usage: KeyUsage): Promise<Buffer> {
    const generated = this.generated.get(slot(owner, usage));
    if (generated) return createPublicKey(generated).export({ type: 'spki', format: 'der' });
    return this.certificate(owner, usage).publicKeyDer;
  }

  async ecdh(owner: Eui64, peerPublicKeyDer: Buffer): Promise<Buffer> {
    const generated = this.generated.get(slot(owner, 'keyAgreement'));
    if (generated) return diffieHellman({ privateKey: generated, publicKey: spki(peerPublicKeyDer) });
    const ours = spki(this.certificate(owner, 'keyAgreement').publicKeyDer);
    const peerPrivate = this.privateKeys.find((entry) => entry.usage === 'keyAgreement' && entry.publicKeyDer.equals(peerPublicKeyDer));
    if (!peerPrivate) {
      throw new SecureElementError('NO_PRIVATE_KEY', 'the keystore has no private key for that peer public key, so ECDH cannot be mirrored', {
        where: owner,
      });
    }
    return diffieHellman({ privateKey: peerPrivate.key, publicKey: ours });
  }

  /** Signs as a Device with a generated key, or as a remote party whose private key the keystore holds. */
  async sign(owner: Eui64, usage: KeyUsage, data: Buffer): Promise<Buffer> {
    const key = this.signingKey(owner, usage);
    if (!key) throw new SecureElementError('NO_PRIVATE_KEY', `no ${usage} private key`, { where: owner });
    return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  }

  /**
   * Gives each of `owners` (the hub's Devices) a Digital Signing key pair of its own where neither
   * the keystore nor an earlier call holds one, so it can sign answers to critical commands. Its
   * signatures verify with the new public key (`publicKey`), never with the RTDS certificate.
   * Returns the owners that got one.
   */
  async generateMissingSigningKeys(owners: Iterable<Eui64>): Promise<Eui64[]> {
    const missing = [...new Set(owners)].filter((owner) => !this.signingKey(owner, 'digitalSigning'));
    for (const owner of missing) await this.generateKeyPair(owner, 'digitalSigning');
    return missing;
  }

  private signingKey(owner: Eui64, usage: KeyUsage): KeyObject | undefined {
    return this.generated.get(slot(owner, usage)) ?? this.privateKeys.find((entry) => entry.eui === owner && entry.usage === usage && !entry.prepayment)?.key;
  }

  async generateKeyPair(owner: Eui64, usage: KeyUsage): Promise<Buffer> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.generated.set(slot(owner, usage), privateKey);
    return createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  }

  async dataKey(): Promise<Buffer> {
    return Buffer.from(this.storeKey);
  }

  private certificate(owner: Eui64, usage: KeyUsage): Credential {
    const credential = this.certificates.forEui(owner, usage);
    if (!credential) throw new SecureElementError('NO_CERTIFICATE', `no ${usage} certificate in the keystore`, { where: owner });
    return credential;
  }
}

function spki(der: Buffer): KeyObject {
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch (cause) {
    throw new SecureElementError('BAD_PUBLIC_KEY', 'not a DER SubjectPublicKeyInfo', { cause });
  }
}

function slot(owner: Eui64, usage: KeyUsage): string {
  return `${owner}/${usage}`;
}

export interface RtdsKeystore {
  /** Every certificate in the folder (Devices' and remote parties'), prepayment variants left out. */
  trustStore: TrustStore;
  secureElement: RtdsSecureElement;
}

/** Reads an RTDS keystore folder (`<eui>-<ds|ka>.pem` certificates, `.key` PKCS#8 private keys). */
export async function loadRtdsKeystore(dir: string): Promise<RtdsKeystore> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw new SecureElementError('NO_KEYSTORE', 'cannot read the keystore folder', { where: dir, cause });
  }
  const trustStore = new TrustStore();
  const privateKeys: PrivateKeyEntry[] = [];
  for (const name of names.sort()) {
    const match = FILE_NAME.exec(name);
    if (!match) continue;
    const [, eui, prepayment, suffix, kind] = match;
    const text = await readFile(join(dir, name), 'utf8');
    const usage = USAGE_BY_SUFFIX[suffix!.toLowerCase()]!;
    if (kind === 'key') {
      const key = privateKey(text, join(dir, name));
      const publicKeyDer = createPublicKey(key).export({ type: 'spki', format: 'der' });
      privateKeys.push({ eui: parseEui64(eui!), usage, prepayment: prepayment !== undefined, key, publicKeyDer });
    } else if (!prepayment && text.includes('BEGIN CERTIFICATE')) {
      trustStore.add(parseCertificate(text, join(dir, name)));
    }
  }
  return { trustStore, secureElement: new RtdsSecureElement(trustStore, privateKeys) };
}

function privateKey(pem: string, where: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (cause) {
    throw new SecureElementError('BAD_PRIVATE_KEY', 'not a PEM private key', { where, cause });
  }
}
