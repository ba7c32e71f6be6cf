import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HubError } from '../../hal/errors.js';
import type { Eui64 } from '../../hal/radio.js';
import { jsonCodec, type Batch, type Domain, type Store } from '../store/index.js';
import { parseCertificate, type Credential, type CredentialSource, type RemotePartyRole } from './certificates.js';
import type { KeyUsage } from './secure-element.js';

/**
 * The Security Credentials store: the remote parties' certificates the hub trusts, in trust anchor
 * cells by role, key usage and cell usage (root, supplier, network operator, Access Control Broker,
 * WAN provider, transitional change of supplier; a supplier's prepayment top-up Key Agreement cell
 * beside its management one), and the hub's own Device certificates (CHF and GPF). A certificate
 * sits in its own role's cells, and may sit in others' until handover. Persisted in the Store
 * (certificates are public: not sealed); read by the authenticator through CredentialSource.
 *
 * Updates (CS02b) go through `replace`: the caller names who asked, and the rules here refuse a
 * replacement the asking party may not make, before anything is written.
 */
export class CredentialsError extends HubError {}

export const CREDENTIALS_DOMAIN = { name: 'credentials', codec: jsonCodec(isStoredCredential) } as const;

/** Each role's current sequence number (CS02b raises it; CS02a reports it). */
export const CREDENTIAL_SEQUENCE_DOMAIN = { name: 'credentialSequence', codec: jsonCodec(isSequenceNumber) } as const;

function isSequenceNumber(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

interface StoredCredential {
  der: string;
  /** A hub-own certificate (CHF/GPF), not a remote party's. */
  own?: boolean;
  /**
   * The trust anchor cells the certificate sits in, where they are not just its own role's: before
   * handover a new hub holds the DCC's (the Access Control Broker's) certificates in the supplier
   * and network operator cells, and those parties' first CS02b replaces them.
   */
  cells?: RemotePartyRole[];
}

function isStoredCredential(value: unknown): value is StoredCredential {
  const v = value as StoredCredential | null;
  return (
    typeof v === 'object' && v !== null && typeof v.der === 'string' && /^([0-9a-f]{2})+$/.test(v.der) && (v.own === undefined || typeof v.own === 'boolean') &&
    (v.cells === undefined || (Array.isArray(v.cells) && v.cells.every((cell) => TRUSTED_ROLES.includes(cell))))
  );
}

/** A held certificate and the cells it is trusted in (its own role's, unless handed over). */
type Held = Credential & { own: boolean; cells: readonly RemotePartyRole[]; cellUsage: number };

const cellsOf = (credential: Credential, stored?: readonly RemotePartyRole[]): RemotePartyRole[] => [...(stored ?? (credential.role ? [credential.role] : []))];

/**
 * The remote party roles whose certificates the hub holds: the trust anchors, and other users'.
 * An other user anchors nothing on a Device (no CS02b code replaces it), but the Access Control
 * Broker sends for other users, and only a held certificate tells the hub that the party it names
 * is one, so the role policy can give it the Type 2 Device Log changes and reads that are its own.
 * An issuing authority's is not held. The recovery key is a trust anchor like the root: it signs
 * CS02b anyExceptAbnormalRootByRecovery.
 */
export const TRUSTED_ROLES: readonly RemotePartyRole[] = ['root', 'recovery', 'supplier', 'networkOperator', 'accessControlBroker', 'wanProvider', 'transitionalCoS', 'otherUser'];

/**
 * CS02b: for each trust anchor role, the roles that may replace it, from the Message Codes'
 * titles (target by sender): rootBySupplier, rootByWanProvider, supplierBySupplier,
 * networkOperatorByNetworkOperator, accessControlBrokerByACB, wanProviderByWanProvider,
 * transCoSByTransCoS, supplierByTransCoS; the recovery key replaces any anchor but the root
 * (anyExceptAbnormalRootByRecovery) and the contingency key, held in the root's cell, any
 * (anyByContingency). role-policy.ts says who may send which code.
 */
const ANY_BY_RECOVERY_OR_CONTINGENCY: readonly RemotePartyRole[] = ['recovery', 'root'];
export const REPLACEABLE_BY: Readonly<Partial<Record<RemotePartyRole, readonly RemotePartyRole[]>>> = {
  root: ['supplier', 'wanProvider', 'root'],
  recovery: ANY_BY_RECOVERY_OR_CONTINGENCY,
  supplier: ['supplier', 'transitionalCoS', ...ANY_BY_RECOVERY_OR_CONTINGENCY],
  networkOperator: ['networkOperator', ...ANY_BY_RECOVERY_OR_CONTINGENCY],
  accessControlBroker: ['accessControlBroker', ...ANY_BY_RECOVERY_OR_CONTINGENCY],
  wanProvider: ['wanProvider', ...ANY_BY_RECOVERY_OR_CONTINGENCY],
  transitionalCoS: ['transitionalCoS', ...ANY_BY_RECOVERY_OR_CONTINGENCY],
};

/** Cell usage 0 is a role's management cell; others (1: prepayment top-up) hold a certificate of their own beside it. */
const MANAGEMENT_CELL = 0;
const keyOf = (eui: Eui64, usage: KeyUsage, cellUsage = MANAGEMENT_CELL): string => (cellUsage === MANAGEMENT_CELL ? `${eui}/${usage}` : `${eui}/${usage}/${cellUsage}`);
const cellUsageOf = (key: string): number => Number(key.split('/')[2] ?? MANAGEMENT_CELL);

/** One change of a CS02b update: the certificate now trusted and the one it replaced, or why it was refused. */
export interface ReplacementResult {
  replaced?: Credential;
  /** The cell the replacement went into (0: the role's management cell). */
  cellUsage?: number;
  existing?: Credential;
  existingKey?: string;
  error?: CredentialsError;
}

/** A write another store makes in the same batch as a replacement, and applies in memory once it is durable. */
export interface StagedWrite {
  stage(batch: Batch): void;
  commit(): void;
}

export class SecurityCredentials implements CredentialSource {
  private readonly held = new Map<string, Held>();
  private readonly sequence = new Map<RemotePartyRole, number>();
  private changes = 0;

  private constructor(
    private readonly store: Store,
    private readonly domain: Domain<StoredCredential>,
    private readonly sequenceDomain: Domain<number>,
  ) {}

  static async open(store: Store): Promise<SecurityCredentials> {
    const credentials = new SecurityCredentials(store, await store.domain(CREDENTIALS_DOMAIN), await store.domain(CREDENTIAL_SEQUENCE_DOMAIN));
    for await (const [key, stored] of credentials.domain.entries()) {
      const credential = parseCertificate(Buffer.from(stored.der, 'hex'), `credentials ${key}`);
      credentials.held.set(key, { ...credential, own: stored.own ?? false, cells: cellsOf(credential, stored.cells), cellUsage: cellUsageOf(key) });
    }
    for await (const [role, value] of credentials.sequenceDomain.entries()) credentials.sequence.set(role as RemotePartyRole, value);
    return credentials;
  }

  /** Rises with every change to what is trusted, so a check made earlier can tell it may be stale. */
  get version(): number {
    return this.changes;
  }

  /** The sequence number of the last update `role` authorised (0 until one). */
  sequenceNumber(role: RemotePartyRole): number {
    return this.sequence.get(role) ?? 0;
  }

  forEui(eui: Eui64, usage: KeyUsage): Credential | undefined {
    return this.held.get(keyOf(eui, usage));
  }

  /** The certificates in `role`'s cells for `usage`: its own parties', and any another party holds there until handover. */
  forRole(role: RemotePartyRole, usage: KeyUsage): Credential[] {
    return [...this.held.values()].filter((held) => !held.own && held.cells.includes(role) && held.usage === usage && held.cellUsage === MANAGEMENT_CELL);
  }

  /** The role of a trusted remote party (from its Digital Signing certificate, else its Key Agreement one). */
  roleOf(eui: Eui64): RemotePartyRole | undefined {
    return (this.forEui(eui, 'digitalSigning') ?? this.forEui(eui, 'keyAgreement'))?.role;
  }

  /** Every role whose cells hold a certificate of the party: its own, and those it holds until handover. */
  rolesOf(eui: Eui64): RemotePartyRole[] {
    const held = [this.held.get(keyOf(eui, 'digitalSigning')), this.held.get(keyOf(eui, 'keyAgreement'))];
    return [...new Set(held.flatMap((credential) => (credential && !credential.own ? credential.cells : [])))];
  }

  /** Everything held: remote parties first by role, then the hub's own. */
  list(): Held[] {
    return [...this.held.values()].sort((a, b) => Number(a.own) - Number(b.own) || (a.role ?? '').localeCompare(b.role ?? '') || a.eui.localeCompare(b.eui));
  }

  /**
   * Trust a remote party's certificate, or hold one of the hub's own (`own`). Provisioning and tests
   * only: a remote update goes through `replace`. `cells` puts a certificate in other roles' cells
   * as well as its own (a new hub's DCC certificates, held for the supplier and network operator
   * until handover).
   */
  async install(credential: Credential, options: { own?: boolean; cells?: readonly RemotePartyRole[] } = {}): Promise<void> {
    const own = options.own ?? false;
    if (!own && (!credential.role || !TRUSTED_ROLES.includes(credential.role))) {
      throw new CredentialsError('NOT_A_TRUST_ANCHOR', `a ${credential.role ?? 'Device'} certificate is not one the hub trusts`, { where: credential.eui });
    }
    const strange = options.cells?.find((cell) => !TRUSTED_ROLES.includes(cell));
    if (strange) throw new CredentialsError('NOT_A_TRUST_ANCHOR', `${strange} is not a trust anchor cell`, { where: credential.eui });
    const key = keyOf(credential.eui, credential.usage);
    const cells = [...new Set([...cellsOf(credential), ...(options.cells ?? [])])];
    await this.domain.put(key, { der: credential.der.toString('hex'), ...(own ? { own } : {}), ...(options.cells ? { cells } : {}) });
    this.held.set(key, { ...credential, own, cells, cellUsage: MANAGEMENT_CELL });
    this.changes++;
  }

  /**
   * CS02b: replace trusted certificates, asked by a party of role `by` with its sequence number,
   * in one write. Each change is refused on its own (when `by` may not replace that role, or the
   * certificate is not of that role); a sequence number not above the last one `by` used refuses
   * them all. Nothing is written when nothing is accepted. `current` names the party whose
   * certificate of that role a change replaces where the hub trusts more than one (two suppliers
   * at split supply: the recipient Device's own anchor is replaced, not the other fuel's).
   * `alongside` may add a write that depends on what was replaced, committed in the same batch.
   * `floors` are the roles' sequence numbers from then on (the command's new floors, `by`'s too,
   * so a party whose key was replaced starts again), written with the replacements or not at all.
   */
  async replace(
    changes: ReadonlyArray<{ role: RemotePartyRole; next: Credential; current?: Eui64; cellUsage?: number }>,
    by: RemotePartyRole,
    sequenceNumber: number,
    alongside?: (replaced: readonly Credential[]) => StagedWrite | undefined,
    floors: ReadonlyArray<{ role: RemotePartyRole; floor: number }> = [],
  ): Promise<ReplacementResult[]> {
    // The authorising party's sequence number only rises: an update cannot be replayed.
    if (!Number.isSafeInteger(sequenceNumber) || sequenceNumber <= this.sequenceNumber(by)) {
      throw new CredentialsError('STALE_SEQUENCE', `sequence number ${sequenceNumber} is not above ${this.sequenceNumber(by)}`, { where: by });
    }
    const results = changes.map(({ role, next, current, cellUsage = MANAGEMENT_CELL }): ReplacementResult => {
      if (!(REPLACEABLE_BY[role] ?? []).includes(by)) {
        return { error: new CredentialsError('NOT_AUTHORISED', `a ${by} may not replace the ${role} credentials`, { where: next.eui }) };
      }
      if (next.role !== role) return { error: new CredentialsError('WRONG_ROLE', `the new certificate is a ${next.role ?? 'Device'} certificate, not ${role}`, { where: next.eui }) };
      const cells = [...this.held.entries()].filter(([, held]) => !held.own && held.cells.includes(role) && held.usage === next.usage);
      const ofUsage = cells.filter(([, held]) => held.cellUsage === cellUsage);
      // A cell of another usage never held one: it reports what the role's management cell holds, and leaves it there.
      const pool = ofUsage.length > 0 ? ofUsage : cells.filter(([, held]) => held.cellUsage === MANAGEMENT_CELL);
      const existing = pool.find(([, held]) => held.eui === current) ?? pool.find(([, held]) => held.role === role) ?? pool[0];
      const same = existing && existing[1].cellUsage === cellUsage;
      return { replaced: next, cellUsage, ...(existing ? { existing: existing[1], ...(same ? { existingKey: existing[0] } : {}) } : {}) };
    });
    const accepted = results.filter((result) => result.replaced);
    if (accepted.length === 0) return results;
    const batch = this.store.batch();
    // A certificate held in other cells too (the DCC's before handover) leaves only the replaced role's cell.
    const remaining = new Map<string, Held>();
    for (const [i, result] of results.entries()) {
      if (!result.replaced || !result.existingKey) continue;
      const before = remaining.get(result.existingKey) ?? this.held.get(result.existingKey)!;
      remaining.set(result.existingKey, { ...before, cells: before.cells.filter((cell) => cell !== changes[i]!.role) });
    }
    for (const [key, held] of remaining) {
      if (held.cells.length === 0) batch.del(this.domain, key);
      else batch.put(this.domain, key, { der: held.der.toString('hex'), cells: [...held.cells] });
    }
    for (const result of accepted) {
      batch.put(this.domain, keyOf(result.replaced!.eui, result.replaced!.usage, result.cellUsage), { der: result.replaced!.der.toString('hex') });
    }
    const staged = alongside?.(accepted.map((result) => result.replaced!));
    staged?.stage(batch);
    batch.put(this.sequenceDomain, by, sequenceNumber);
    for (const { role, floor } of floors) batch.put(this.sequenceDomain, role, floor);
    await batch.write();
    staged?.commit();
    for (const [key, held] of remaining) {
      if (held.cells.length === 0) this.held.delete(key);
      else this.held.set(key, held);
    }
    for (const result of accepted) {
      const cellUsage = result.cellUsage ?? MANAGEMENT_CELL;
      this.held.set(keyOf(result.replaced!.eui, result.replaced!.usage, cellUsage), { ...result.replaced!, own: false, cells: cellsOf(result.replaced!), cellUsage });
    }
    this.sequence.set(by, sequenceNumber);
    for (const { role, floor } of floors) this.sequence.set(role, floor);
    this.changes++;
    return results;
  }
}

/** The certificate's Subject Key Identifier extension (GB certificates carry an 8-byte one), if any. */
export function subjectKeyIdentifier(der: Buffer): Buffer | undefined {
  // OID 2.5.29.14, then an optional critical flag, then OCTET STRING { OCTET STRING keyIdentifier }.
  const oid = Buffer.from('0603551d0e', 'hex');
  let at = der.indexOf(oid);
  if (at < 0) return undefined;
  at += oid.length;
  if (der[at] === 0x01) at += 3;
  if (der[at] !== 0x04 || der[at + 2] !== 0x04) return undefined;
  const length = der[at + 3]!;
  const value = der.subarray(at + 4, at + 4 + length);
  return value.length === length ? Buffer.from(value) : undefined;
}

export interface OwnKeyCheck {
  /** The hub's own public key (SPKI DER) for a Device and usage, from its SecureElement. */
  ownKey(eui: Eui64, usage: KeyUsage): Promise<Buffer>;
  /** A certificate for one of the hub's Devices that certifies another key: not installed. */
  mismatched(credential: Credential): void;
}

/**
 * Seeds `credentials` from an RTDS-style keystore folder: every remote party certificate with a
 * trusted role, and the Device certificates of `own` (the hub's CHF and GPF). Returns how many.
 * With `check`, an own certificate is installed only when it certifies the
 * key the hub's SecureElement holds: one that does not would make the hub claim a key it cannot use.
 */
export async function seedCredentialsFromKeystore(credentials: SecurityCredentials, dir: string, own: readonly Eui64[], check?: OwnKeyCheck): Promise<number> {
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
    if (isOwn && check && !(await check.ownKey(credential.eui, credential.usage)).equals(credential.publicKeyDer)) {
      check.mismatched(credential);
      continue;
    }
    await credentials.install(credential, { own: isOwn });
    count++;
  }
  return count;
}
