import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HubError } from '../../hal/errors.js';
import type { Eui64 } from '../../hal/radio.js';
import { jsonCodec, type Domain, type Store } from '../store/store.js';
import { parseCertificate, type Credential, type CredentialSource, type RemotePartyRole } from './certificates.js';
import type { KeyUsage } from './secure-element.js';

/**
 * The Security Credentials store: the remote parties' certificates the hub trusts, one per role and
 * key usage (root, supplier, network operator, Access Control Broker, WAN provider, transitional
 * change of supplier), and the hub's own Device certificates (CHF and GPF). Persisted in the Store
 * (certificates are public: not sealed); read by the authenticator through CredentialSource.
 *
 * Updates (CS02b) go through `replace`: the caller names who asked, and the rules here refuse a
 * replacement the asking party may not make, before anything is written.
 */
export class CredentialsError extends HubError {}

export const CREDENTIALS_DOMAIN = { name: 'credentials', codec: jsonCodec(isStoredCredential) } as const;

interface StoredCredential {
  der: string;
  /** A hub-own certificate (CHF/GPF), not a remote party's. */
  own?: boolean;
}

function isStoredCredential(value: unknown): value is StoredCredential {
  const v = value as StoredCredential | null;
  return typeof v === 'object' && v !== null && typeof v.der === 'string' && /^([0-9a-f]{2})+$/.test(v.der) && (v.own === undefined || typeof v.own === 'boolean');
}

/** The roles a hub holds a trust anchor for (an issuing authority or other user is not held). */
export const TRUSTED_ROLES: readonly RemotePartyRole[] = ['root', 'supplier', 'networkOperator', 'accessControlBroker', 'wanProvider', 'transitionalCoS'];

/** CS02b: the role whose certificate each kind of party may replace (see roles.ts for who may send which code). */
export const REPLACEABLE_BY: Readonly<Partial<Record<RemotePartyRole, readonly RemotePartyRole[]>>> = {
  supplier: ['supplier'],
  networkOperator: ['networkOperator'],
  accessControlBroker: ['accessControlBroker'],
  wanProvider: ['wanProvider', 'root'],
  transitionalCoS: ['transitionalCoS', 'supplier'],
  root: ['root'],
};

const keyOf = (eui: Eui64, usage: KeyUsage): string => `${eui}/${usage}`;

export class SecurityCredentials implements CredentialSource {
  private readonly held = new Map<string, Credential & { own: boolean }>();

  private constructor(private readonly domain: Domain<StoredCredential>) {}

  static async open(store: Store): Promise<SecurityCredentials> {
    const credentials = new SecurityCredentials(await store.domain(CREDENTIALS_DOMAIN));
    for await (const [key, stored] of credentials.domain.entries()) {
      const credential = parseCertificate(Buffer.from(stored.der, 'hex'), `credentials ${key}`);
      credentials.held.set(key, { ...credential, own: stored.own ?? false });
    }
    return credentials;
  }

  forEui(eui: Eui64, usage: KeyUsage): Credential | undefined {
    return this.held.get(keyOf(eui, usage));
  }

  forRole(role: RemotePartyRole, usage: KeyUsage): Credential[] {
    return [...this.held.values()].filter((held) => !held.own && held.role === role && held.usage === usage);
  }

  /** The role of a trusted remote party (from its Digital Signing certificate, else its Key Agreement one). */
  roleOf(eui: Eui64): RemotePartyRole | undefined {
    return (this.forEui(eui, 'digitalSigning') ?? this.forEui(eui, 'keyAgreement'))?.role;
  }

  /** Everything held: remote parties first by role, then the hub's own. */
  list(): Array<Credential & { own: boolean }> {
    return [...this.held.values()].sort((a, b) => Number(a.own) - Number(b.own) || (a.role ?? '').localeCompare(b.role ?? '') || a.eui.localeCompare(b.eui));
  }

  /**
   * Trust a remote party's certificate, or hold one of the hub's own (`own`). Provisioning and tests
   * only: a remote update goes through `replace`.
   */
  async install(credential: Credential, options: { own?: boolean } = {}): Promise<void> {
    const own = options.own ?? false;
    if (!own && (!credential.role || !TRUSTED_ROLES.includes(credential.role))) {
      throw new CredentialsError('NOT_A_TRUST_ANCHOR', `a ${credential.role ?? 'Device'} certificate is not one the hub trusts`, { where: credential.eui });
    }
    const key = keyOf(credential.eui, credential.usage);
    await this.domain.put(key, { der: credential.der.toString('hex'), ...(own ? { own } : {}) });
    this.held.set(key, { ...credential, own });
  }

  /**
   * CS02b: replace the certificate held for `role` and `usage` with `next`, asked by a party of
   * role `by`. Refused (nothing written) when `by` may not replace that role, or `next` is not a
   * certificate of that role.
   */
  async replace(role: RemotePartyRole, next: Credential, by: RemotePartyRole): Promise<void> {
    if (!(REPLACEABLE_BY[role] ?? []).includes(by)) {
      throw new CredentialsError('NOT_AUTHORISED', `a ${by} may not replace the ${role} credentials`, { where: next.eui });
    }
    if (next.role !== role) throw new CredentialsError('WRONG_ROLE', `the new certificate is a ${next.role ?? 'Device'} certificate, not ${role}`, { where: next.eui });
    const batch = [...this.held.entries()].filter(([, held]) => !held.own && held.role === role && held.usage === next.usage);
    for (const [key] of batch) await this.domain.del(key);
    for (const [key] of batch) this.held.delete(key);
    await this.install(next);
  }
}

/**
 * Seeds `credentials` from an RTDS-style keystore folder: every remote party certificate with a
 * trusted role, and the Device certificates of `own` (the hub's CHF and GPF). Returns how many.
 */
export async function seedCredentialsFromKeystore(credentials: SecurityCredentials, dir: string, own: readonly Eui64[]): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (cause) {
    throw new CredentialsError('NO_KEYSTORE', 'cannot read the keystore folder', { where: dir, cause });
  }
  let count = 0;
  for (const name of names.sort()) {
    if (!/^[0-9a-f]{16}-(ds|ka)\.pem$/i.test(name)) continue;
    const text = await readFile(join(dir, name), 'utf8');
    // A keystore may also hold bare public keys (no certificate): nothing to trust there.
    if (!text.includes('BEGIN CERTIFICATE')) continue;
    const credential = parseCertificate(text, join(dir, name));
    const isOwn = own.includes(credential.eui);
    if (!isOwn && (!credential.role || !TRUSTED_ROLES.includes(credential.role))) continue;
    await credentials.install(credential, { own: isOwn });
    count++;
  }
  return count;
}
