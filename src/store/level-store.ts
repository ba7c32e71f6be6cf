import type { HubError } from '../../hal/errors.js';
import { StoreError } from './errors.js';
import { LevelDomain, openSublevel, type Database, type DomainHost, type PreparedOp, type Sublevel } from './level-domain.js';
import { corruptError, translateLevelError } from './level-errors.js';
import { AckedRecord, readAcked } from './acked-record.js';
import { Sealer } from './sealing.js';
import type { Batch, Domain, DomainSpec, Store, StoreOptions } from './store.js';
import { checksumMatches, CHECKED_VALUES, convertToChecked, verified, withChecksum } from './value-check.js';

const META = 'meta';
const RECOVERY_PROBLEMS = 'recoveryProblems';
export const SCHEMA_VERSION = 'schemaVersion';
const DATA_KEY_FINGERPRINT = 'dataKeyFingerprint';
const DOMAIN_PREFIX = 'domain/';
const DOMAIN_NAME = /^[a-z][A-Za-z0-9]{0,63}$/;
const WRITE_PROBE = 'writeProbe';
const COMMIT_SEQUENCE = 'commitSequence';
/** How often writes refused after a failed one try to verify the store again. */
const VERIFY_INTERVAL_MS = 2000;

interface Declaration {
  personal: boolean;
  hashKeys: boolean;
}

const text = new TextEncoder();
const untext = new TextDecoder();
const metaBytes = (value: unknown): Uint8Array => text.encode(JSON.stringify(value));
const metaValue = (bytes: Uint8Array): unknown => JSON.parse(untext.decode(bytes));

/** Collects ops across domains; `write()` prepares them all, then commits them in one synced LevelDB batch (`writeUnsynced()`: not synced). */
export class LevelBatch implements Batch {
  private readonly pending: Array<() => PreparedOp> = [];

  constructor(private readonly store: LevelStore) {}

  get length(): number {
    return this.pending.length;
  }

  put<V>(domain: Domain<V>, key: string, value: V): Batch {
    const own = this.store.owned(domain);
    this.pending.push(() => own.preparePut(key, value));
    return this;
  }

  del<V>(domain: Domain<V>, key: string): Batch {
    const own = this.store.owned(domain);
    this.pending.push(() => own.prepareDel(key));
    return this;
  }

  /** Every op encoded, or the first failure (naming its position) with nothing written. */
  prepare(): PreparedOp[] {
    return this.pending.map((prepare, index) => {
      try {
        return prepare();
      } catch (error) {
        if (error instanceof StoreError) {
          throw new StoreError(error.code, `batch op ${index + 1} of ${this.pending.length}: ${error.message}`, { cause: error });
        }
        throw error;
      }
    });
  }

  async write(extra: PreparedOp[] = [], sync = true): Promise<void> {
    const ops = [...this.prepare(), ...extra];
    this.pending.length = 0;
    if (ops.length > 0) await this.store.commit(ops, 'batch', sync);
  }

  writeUnsynced(): Promise<void> {
    return this.write([], false);
  }
}

export class LevelStore implements Store, DomainHost {
  readonly path: string;
  schemaVersion = 0;
  readonly meta: Sublevel;
  private sealer: Sealer | undefined;
  private readonly declarations = new Map<string, Declaration>();
  private closed = false;
  /** Why the store stopped taking writes, until `verify` trusts it again. */
  private failure: StoreError | undefined;
  /** Counts write failures, so a write that was under way when another failed is not trusted either. */
  private failures = 0;
  private verifying: Promise<void> | undefined;
  private lastVerifyAt = -Infinity;
  /** The number of the latest commit (`meta/commitSequence`), and the record of those acknowledged. */
  private sequence = 0;
  private acked: AckedRecord | undefined;

  constructor(
    private readonly db: Database,
    private readonly options: StoreOptions,
    private readonly foundAtOpen: readonly string[] = [],
  ) {
    this.path = db.location;
    this.meta = openSublevel(db, META);
  }

  /** Every loss LevelDB reported at an open since the last acknowledgement (kept, as LevelDB's LOG is not). */
  recoveryProblems: readonly string[] = [];

  async acknowledgeRecoveryProblems(): Promise<void> {
    await this.commit([{ type: 'del', sublevel: this.meta, key: RECOVERY_PROBLEMS }], META);
    this.recoveryProblems = [];
  }

  /** Load what `meta` records, and check the data key, before anyone uses the store. */
  async load(): Promise<void> {
    if ((await this.meta.get(CHECKED_VALUES)) === undefined) await convertToChecked(this.db);
    for await (const [key, bytes] of this.meta.iterator()) {
      let value: unknown;
      try {
        value = metaValue(verified(META, key, bytes, this.path));
      } catch (cause) {
        if (cause instanceof StoreError) throw cause;
        throw corruptError(this.path, new Error(`meta/${key} is not JSON: ${(cause as Error).message}`));
      }
      if (key === COMMIT_SEQUENCE) this.sequence = value as number;
      if (key === SCHEMA_VERSION) this.schemaVersion = value as number;
      if (key === RECOVERY_PROBLEMS) this.recoveryProblems = value as string[];
      if (key.startsWith(DOMAIN_PREFIX)) this.declarations.set(key.slice(DOMAIN_PREFIX.length), value as Declaration);
    }
    await this.recordRecoveryProblems([...this.foundAtOpen, ...(await this.missingAcknowledged())]);
    // Only now that any loss is on record may the file be brought back to what the store holds.
    this.acked = await AckedRecord.open(this.path, this.sequence);
    if (!this.options.secureElement) return;
    this.sealer = new Sealer(await this.options.secureElement.dataKey());
    const stored = await this.metaGet(DATA_KEY_FINGERPRINT);
    if (stored === undefined) {
      await this.commit([this.metaPut(DATA_KEY_FINGERPRINT, this.sealer.fingerprint)], META);
    } else if (!this.sealer.matches(stored as string)) {
      throw new StoreError(
        'STORE_WRONG_DATA_KEY',
        "the SecureElement's data key is not the one this store's personal data was encrypted with (was the key file replaced?)",
        { where: this.path },
      );
    }
  }

  private async recordRecoveryProblems(found: string[]): Promise<void> {
    if (found.length === 0) return;
    const earlier = ((await this.metaGet(RECOVERY_PROBLEMS)) ?? []) as string[];
    await this.commit([this.metaPut(RECOVERY_PROBLEMS, [...earlier, ...found])], META);
    this.recoveryProblems = [...earlier, ...found];
  }

  /** Commits acknowledged before the last close or crash that the database no longer holds (acked-record.ts). */
  private async missingAcknowledged(): Promise<string[]> {
    const acknowledged = await readAcked(this.path);
    if (acknowledged === 'unreadable') return ['the record of acknowledged writes (ACKNOWLEDGED) is damaged, so losses cannot be ruled out'];
    if (acknowledged === undefined || acknowledged <= this.sequence) return [];
    return [`${acknowledged - this.sequence} acknowledged write(s) are missing (the database ends at commit ${this.sequence}, ${acknowledged} were acknowledged): its log lost its tail`];
  }

  async metaGet(key: string): Promise<unknown> {
    const stored = await this.meta.get(key);
    return stored === undefined ? undefined : metaValue(verified(META, key, stored, this.path));
  }

  metaPut(key: string, value: unknown): PreparedOp {
    return { type: 'put', sublevel: this.meta, key, value: withChecksum(META, key, metaBytes(value)) };
  }

  owned<V>(domain: Domain<V>): LevelDomain<V> {
    if (!(domain instanceof LevelDomain) || !this.declarations.has(domain.name) || domain.host !== this) {
      throw new StoreError('STORE_DOMAIN', 'the domain does not belong to this store', { where: domain.name });
    }
    return domain as LevelDomain<V>;
  }

  async domain<V>(spec: DomainSpec<V>): Promise<Domain<V>> {
    this.ensureOpen('declare a domain', spec.name);
    const wanted: Declaration = { personal: spec.personal ?? false, hashKeys: spec.hashKeys ?? false };
    if (!DOMAIN_NAME.test(spec.name) || spec.name === META) {
      throw new StoreError('STORE_DOMAIN', `"${spec.name}" is not a domain name (a lower-case letter, then letters and digits; "meta" is reserved)`, { where: this.path });
    }
    if (wanted.hashKeys && !wanted.personal) {
      throw new StoreError('STORE_DOMAIN', 'hashKeys needs personal: true', { where: spec.name });
    }
    if (wanted.personal && !this.sealer) {
      throw new StoreError('STORE_NO_DATA_KEY', 'a personal domain needs a SecureElement (StoreOptions.secureElement)', { where: spec.name });
    }
    const recorded = this.declarations.get(spec.name);
    if (recorded && (recorded.personal !== wanted.personal || recorded.hashKeys !== wanted.hashKeys)) {
      throw new StoreError(
        'STORE_DOMAIN',
        `declared with personal=${wanted.personal} hashKeys=${wanted.hashKeys} but its data was stored with personal=${recorded.personal} hashKeys=${recorded.hashKeys}`,
        { where: spec.name },
      );
    }
    if (!recorded) {
      await this.commit([this.metaPut(DOMAIN_PREFIX + spec.name, wanted)], spec.name);
      this.declarations.set(spec.name, wanted);
    }
    return new LevelDomain(spec, openSublevel(this.db, spec.name), this, this.sealer);
  }

  batch(): LevelBatch {
    return new LevelBatch(this);
  }

  /**
   * Every sealed value that no longer opens (changed on disk: AES-GCM refuses it), by domain; with
   * `drop`, those records are deleted in one synced write and the loss is recorded like a
   * recovery problem, so the hub can start on what is left and says what went.
   */
  async sweepUnreadable(options: { drop: boolean }): Promise<Array<{ domain: string; records: number; sealed: boolean }>> {
    const found: Array<{ domain: string; records: number; sealed: boolean }> = [];
    const drops: PreparedOp[] = [];
    for (const [name, declaration] of this.declarations) {
      const sublevel = openSublevel(this.db, name);
      let records = 0;
      for await (const [key, raw] of sublevel.iterator()) {
        try {
          if (!checksumMatches(name, key, raw)) throw new Error('checksum');
          if (declaration.personal) this.sealer?.open(name, key, verified(name, key, raw, this.path));
        } catch {
          records++;
          drops.push({ type: 'del', sublevel, key });
        }
      }
      if (records > 0) found.push({ domain: name, records, sealed: declaration.personal });
    }
    if (options.drop && drops.length > 0) {
      const earlier = ((await this.metaGet(RECOVERY_PROBLEMS)) ?? []) as string[];
      const lost = found.map(({ domain, records, sealed }) => `dropped ${records} damaged ${sealed ? 'sealed ' : ''}record(s) from ${domain}`);
      await this.commit([...drops, this.metaPut(RECOVERY_PROBLEMS, [...earlier, ...lost])], 'repair');
      this.recoveryProblems = [...earlier, ...lost];
    }
    return found;
  }

  async commit(ops: PreparedOp[], where: string, sync = true): Promise<void> {
    this.ensureOpen('write', where);
    if (this.failure) await this.verifyAgain(where);
    const failuresBefore = this.failures;
    const sequence = ++this.sequence;
    try {
      await this.db.batch([...ops, this.metaPut(COMMIT_SEQUENCE, sequence)], { sync });
    } catch (error) {
      throw this.fail(translateLevelError(error, this.path, where, 'write'));
    }
    if (this.failures !== failuresBefore) throw this.refusal(where);
    // Only a synced commit is acknowledged as durable (it also makes every earlier one in the log so).
    if (sync) this.acked?.note(sequence);
  }

  /**
   * Why writes are refused, or undefined while the store takes them. After a failed write (a full
   * disk) LevelDB may have left a torn record in its log and would append the next ones after it,
   * where its next open drops them: so no further write is trusted until the store has been
   * reopened (which ends the torn log) and has synced a probe.
   */
  get writeFailure(): StoreError | undefined {
    return this.failure;
  }

  /** Reopen the database and sync a probe; clears `writeFailure` when both succeed, else throws why not. */
  async verify(): Promise<void> {
    this.ensureOpen('verify', this.path);
    this.verifying ??= this.reopenAndProbe().finally(() => {
      this.verifying = undefined;
    });
    return this.verifying;
  }

  private async reopenAndProbe(): Promise<void> {
    this.lastVerifyAt = performance.now();
    try {
      await this.db.close();
      await this.db.open();
      await this.db.batch([this.metaPut(WRITE_PROBE, Date.now()), { type: 'del', sublevel: this.meta, key: WRITE_PROBE }], { sync: true });
    } catch (error) {
      throw this.fail(translateLevelError(error, this.path, this.path, 'verify the store after a failed write'));
    }
    this.failure = undefined;
  }

  /** A write while failed tries verification again, at most every VERIFY_INTERVAL_MS; else it is refused. */
  private async verifyAgain(where: string): Promise<void> {
    if (!this.verifying && performance.now() - this.lastVerifyAt < VERIFY_INTERVAL_MS) throw this.refusal(where);
    try {
      await this.verify();
    } catch {
      throw this.refusal(where);
    }
  }

  private fail(error: HubError): HubError {
    if (error instanceof StoreError && error.code === 'STORE_CLOSED') return error;
    this.failures += 1;
    this.failure ??= new StoreError('STORE_WRITE_FAILED', `a write failed (${error.message}); the store takes no writes until it has been verified again`, { where: this.path, cause: error });
    return error;
  }

  private refusal(where: string): StoreError {
    return new StoreError('STORE_WRITE_FAILED', this.failure?.message ?? 'a write under way when another failed is not trusted', { where, cause: this.failure });
  }

  async read<T>(where: string, doing: string, run: () => Promise<T>): Promise<T> {
    this.ensureOpen(doing, where);
    try {
      return await run();
    } catch (error) {
      throw translateLevelError(error, this.path, where, doing);
    }
  }

  private ensureOpen(doing: string, where: string): void {
    if (this.closed) throw new StoreError('STORE_CLOSED', `cannot ${doing}: the store is closed`, { where });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.acked?.close();
    await this.db.close();
  }
}
