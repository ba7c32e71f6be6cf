import type { Clock } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { HUB_EVENTS, type LogDetail, type SecurityEventSink } from '../logs/index.js';
import { jsonCodec, type Domain, type DomainSpec, type Store } from '../store/index.js';
import type { RemotePartyRole } from './certificates.js';
import { afterFailure, afterRefusedWhileLocked, isPinAttempts, lockRemaining, NO_ATTEMPTS, reanchored, type PinAttempts } from './pin-attempts.js';
import { checkPinHash, hashPin, needsRehash, pinMatches, PIN_SCRYPT, type PinHash, type ScryptParameters } from './pin-hash.js';
import { checkPin, type PinKind } from './pin-rules.js';

/**
 * The hub's two PINs, kept in a personal (encrypted) store domain as salted scrypt hashes with their
 * wrong-attempt counters. Nothing here makes up or rotates a PIN: every change carries a proof of
 * authority, checked against PIN_AUTHORITY, and a change without one is refused and recorded in the
 * Security Log. Every wrong PIN and every lockout is recorded there too (never the PIN itself).
 */

/** The GBCS pipeline's word that a command was authenticated, and the role of the party that sent it. */
export interface AuthenticatedCommand {
  role: RemotePartyRole;
  /** The use case or service it came under (for the Security Log). */
  service: string;
}

export type PinAuthority =
  /**
   * The first setting, only while no PIN of that kind exists: the installer's engineering PIN at
   * installation, the householder's privacy PIN at the local interface.
   */
  | { by: 'installation' }
  /** The person at the local interface proves the current PIN. */
  | { by: 'currentPin'; pin: string }
  /** An authenticated remote command. */
  | { by: 'command'; command: AuthenticatedCommand };

export type PinAuthorityKind = PinAuthority['by'];

/**
 * Who may set, change and remove each PIN. The engineering PIN is set at installation and changed
 * by the installer who knows it or by the supplier's command; it is never removed.
 *
 * The privacy PIN (SEC service 3.5) guards the householder's local views of the consumption data,
 * so it is the householder's own: set at the local interface while none is set, and changed there
 * by proving the current one. GBCS gives the supplier no use case that sets a privacy PIN, only
 * GCS11/ECS14 to disable it (a PIN is never sent over the WAN), so the supplier's part is removal:
 * for a householder who forgot it, or a new tenant. After a removal the next person at the local
 * interface sets it afresh, as after installation. A supplier command may still set either PIN
 * through this API, should a use case for it appear; no GBCS handler does today.
 */
export const PIN_AUTHORITY: Readonly<Record<PinKind, { installation: boolean; currentPin: boolean; commandRoles: readonly RemotePartyRole[]; removableBy: readonly PinAuthorityKind[] }>> = {
  engineering: { installation: true, currentPin: true, commandRoles: ['supplier'], removableBy: [] },
  privacy: { installation: true, currentPin: true, commandRoles: ['supplier'], removableBy: ['command'] },
};

export type PinStoreErrorCode = 'PIN_NOT_SET' | 'PIN_ALREADY_SET' | 'PIN_NO_AUTHORITY' | 'PIN_WRONG' | 'PIN_LOCKED' | 'PIN_UNCHANGED' | 'PIN_NOT_REMOVABLE' | 'PIN_BAD_KIND';

export class PinStoreError extends HubError {
  declare readonly code: PinStoreErrorCode;
  /** For PIN_LOCKED: milliseconds until entry opens again. */
  readonly retryAfterMs: number | undefined;

  constructor(code: PinStoreErrorCode, message: string, options: { where?: string; retryAfterMs?: number } = {}) {
    super(code, message, { where: options.where });
    this.retryAfterMs = options.retryAfterMs;
  }
}

interface PinRecord {
  hash?: PinHash;
  setAt?: number;
  setBy?: PinAuthorityKind;
  attempts: PinAttempts;
}

export interface PinStatus {
  kind: PinKind;
  set: boolean;
  setAt?: number;
  setBy?: PinAuthorityKind;
  failures: number;
  /** Milliseconds until entry opens again; 0 when open. */
  lockedForMs: number;
}

export type PinVerdict = { ok: true } | { ok: false; why: 'wrong' | 'locked' | 'notSet'; retryAfterMs: number };

/** Where an operation came from, for the Security Log: `cli`, `gbcs`, `installer`, `display`. */
export type PinChannel = string;

export const PIN_DOMAIN = 'pins';
const KINDS: readonly PinKind[] = ['engineering', 'privacy'];

function isPinRecord(value: unknown): value is PinRecord {
  const record = value as PinRecord | null;
  if (typeof record !== 'object' || record === null || !isPinAttempts(record.attempts)) return false;
  if (record.hash === undefined) return true;
  try {
    checkPinHash(record.hash, PIN_DOMAIN);
    return true;
  } catch {
    return false;
  }
}

const PIN_SPEC: DomainSpec<PinRecord> = { name: PIN_DOMAIN, codec: jsonCodec<PinRecord>(isPinRecord), personal: true };

export interface PinStoreOptions {
  clock: Clock;
  securityLog: SecurityEventSink;
  /** The hub's own identifiers (EUI-64s, serial, MPAN, MPRN): a PIN may not contain their digits. */
  identifiers?: () => Promise<readonly string[]>;
  /** Raise to strengthen future hashes; existing ones are re-made when their PIN is next proved. */
  scrypt?: ScryptParameters;
}

export class PinStore {
  /** One operation at a time, so two concurrent wrong PINs are both counted. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly domain: Domain<PinRecord>,
    private readonly options: PinStoreOptions,
  ) {}

  /** The store must have a SecureElement: the domain is personal. */
  static async open(store: Store, options: PinStoreOptions): Promise<PinStore> {
    return new PinStore(await store.domain(PIN_SPEC), options);
  }

  status(kind: PinKind): Promise<PinStatus> {
    return this.serial(async () => {
      const record = await this.read(checkKind(kind));
      const status: PinStatus = { kind, set: record.hash !== undefined, failures: record.attempts.failures, lockedForMs: lockRemaining(reanchored(record.attempts, this.now()), this.now()) };
      if (record.setAt !== undefined) status.setAt = record.setAt;
      if (record.setBy !== undefined) status.setBy = record.setBy;
      return status;
    });
  }

  /** Whether `pin` is the `kind` PIN, counting a wrong one towards a lockout. */
  verify(kind: PinKind, pin: string, channel: PinChannel): Promise<PinVerdict> {
    return this.serial(() => this.verifyNow(kind, pin, channel));
  }

  /**
   * Set or change the `kind` PIN to `pin` on the given authority. Refuses (PIN_NO_AUTHORITY, logged)
   * an authority the table does not give, a wrong current PIN (PIN_WRONG, counted) and a weak PIN
   * (PinError, saying why). Nothing is written unless every check passes.
   */
  set(kind: PinKind, pin: string, authority: PinAuthority, channel: PinChannel): Promise<void> {
    return this.serial(async () => {
      const record = await this.read(checkKind(kind));
      await this.authorise(kind, record, authority, channel, 'set');
      if (authority.by === 'currentPin' && authority.pin === pin) {
        throw new PinStoreError('PIN_UNCHANGED', 'the new PIN is the same as the current one', { where: `${kind} PIN` });
      }
      checkPin(kind, pin, { identifiers: (await this.options.identifiers?.()) ?? [] });
      const hash = await hashPin(pin, this.scrypt());
      await this.domain.put(kind, { hash, setAt: this.now(), setBy: authority.by, attempts: { ...NO_ATTEMPTS } });
      await this.log(HUB_EVENTS.pinChanged.code, { kind, change: record.hash ? 'changed' : 'set', by: authority.by, via: channel });
    });
  }

  /** Remove the `kind` PIN (the privacy PIN, by the supplier's command: GCS11). */
  remove(kind: PinKind, authority: PinAuthority, channel: PinChannel): Promise<void> {
    return this.serial(async () => {
      const record = await this.read(checkKind(kind));
      const removableBy = PIN_AUTHORITY[kind].removableBy;
      if (removableBy.length === 0) await this.refuse(kind, authority, channel, 'remove', `the ${kind} PIN can be changed but never removed`);
      if (!removableBy.includes(authority?.by)) await this.refuse(kind, authority, channel, 'remove', `the ${kind} PIN is removed only by the supplier's command`);
      await this.authorise(kind, record, authority, channel, 'remove');
      if (!record.hash) return;
      await this.domain.put(kind, { attempts: { ...NO_ATTEMPTS } });
      await this.log(HUB_EVENTS.pinChanged.code, { kind, change: 'removed', by: authority.by, via: channel });
    });
  }

  private async verifyNow(kind: PinKind, pin: string, channel: PinChannel): Promise<PinVerdict> {
    const record = await this.read(checkKind(kind));
    if (!record.hash) return { ok: false, why: 'notSet', retryAfterMs: 0 };
    const now = this.now();
    const attempts = reanchored(record.attempts, now);
    const locked = lockRemaining(attempts, now);
    if (locked > 0) {
      // Refused without comparing: a lockout must not leak whether the guess was right.
      const next = afterRefusedWhileLocked(attempts);
      await this.domain.put(kind, { ...record, attempts: next });
      if (next.refusedWhileLocked === 1) await this.log(HUB_EVENTS.pinVerificationFailed.code, { kind, via: channel, whileLocked: true, retryAfterSeconds: Math.ceil(locked / 1000) });
      return { ok: false, why: 'locked', retryAfterMs: locked };
    }
    if (await pinMatches(pin, record.hash)) {
      const hash = needsRehash(record.hash, this.scrypt()) ? await hashPin(pin, this.scrypt()) : record.hash;
      if (hash !== record.hash || attempts.failures > 0 || attempts.lockouts > 0) await this.domain.put(kind, { ...record, hash, attempts: { ...NO_ATTEMPTS } });
      return { ok: true };
    }
    const outcome = afterFailure(attempts, now);
    await this.domain.put(kind, { ...record, attempts: outcome.attempts });
    await this.log(HUB_EVENTS.pinVerificationFailed.code, { kind, via: channel, failures: outcome.attempts.failures });
    if (outcome.lockedForMs !== undefined) {
      await this.log(HUB_EVENTS.pinLockedOut.code, { kind, via: channel, failures: outcome.attempts.failures, lockedForSeconds: outcome.lockedForMs / 1000 });
    }
    return { ok: false, why: 'wrong', retryAfterMs: outcome.lockedForMs ?? 0 };
  }

  private async authorise(kind: PinKind, record: PinRecord, authority: PinAuthority, channel: PinChannel, action: string): Promise<void> {
    const allowed = PIN_AUTHORITY[kind];
    switch (authority?.by) {
      case 'installation':
        if (!allowed.installation) return this.refuse(kind, authority, channel, action, `the ${kind} PIN is not set at installation; the supplier sets it`);
        // Setting over a PIN without proving it is an attempt without authority, so it is logged too.
        if (record.hash) return this.refuse(kind, authority, channel, action, `the ${kind} PIN is already set; change it by proving the current PIN`, 'PIN_ALREADY_SET');
        return;
      case 'currentPin': {
        if (!allowed.currentPin) return this.refuse(kind, authority, channel, action, `the ${kind} PIN is changed only by the supplier's command`);
        const verdict = await this.verifyNow(kind, authority.pin, channel);
        if (verdict.ok) return;
        if (verdict.why === 'notSet') throw new PinStoreError('PIN_NOT_SET', `no ${kind} PIN is set yet; set one first`, { where: `${kind} PIN` });
        if (verdict.why === 'locked' || verdict.retryAfterMs > 0) {
          throw new PinStoreError('PIN_LOCKED', `too many wrong PINs: try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s`, { where: `${kind} PIN`, retryAfterMs: verdict.retryAfterMs });
        }
        throw new PinStoreError('PIN_WRONG', 'the current PIN is not right', { where: `${kind} PIN` });
      }
      case 'command':
        if (!allowed.commandRoles.includes(authority.command?.role)) {
          return this.refuse(kind, authority, channel, action, `a ${String(authority.command?.role)} may not ${action} the ${kind} PIN (only: ${allowed.commandRoles.join(', ')})`);
        }
        return;
      default:
        return this.refuse(kind, authority, channel, action, 'no proof of authority was given');
    }
  }

  private async refuse(kind: PinKind, authority: PinAuthority | undefined, channel: PinChannel, action: string, why: string, code: PinStoreErrorCode = 'PIN_NO_AUTHORITY'): Promise<never> {
    const by = typeof authority?.by === 'string' ? authority.by : 'none';
    await this.log(HUB_EVENTS.pinChangeRefused.code, { kind, action, by, via: channel });
    throw new PinStoreError(code, why, { where: `${kind} PIN` });
  }

  private async read(kind: PinKind): Promise<PinRecord> {
    return (await this.domain.get(kind)) ?? { attempts: { ...NO_ATTEMPTS } };
  }

  private log(code: number, detail: LogDetail): Promise<void> {
    return this.options.securityLog.record(code, detail);
  }

  private scrypt(): ScryptParameters {
    return this.options.scrypt ?? PIN_SCRYPT;
  }

  private now(): number {
    return this.options.clock.now();
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function checkKind(kind: PinKind): PinKind {
  if (!KINDS.includes(kind)) throw new PinStoreError('PIN_BAD_KIND', `"${String(kind)}" is not a PIN kind (engineering or privacy)`);
  return kind;
}
