/**
 * The Store seam: the hub's durable state, split into named domains (the CHF Device Log, the event
 * and security logs, originator counters, the outbound queue, GPF data...). Each domain has its own
 * key space and a typed codec for its values. Every write resolves only once it is on disk, so
 * "acknowledged" always means "survives a power cut"; batches are atomic across domains.
 *
 * Domains declared `personal` keep their values AES-256-GCM encrypted with the SecureElement's data
 * key; declared `hashKeys` too, their keys are replaced by a keyed hash so an MPRN used as a key
 * never appears on disk either.
 */
import { StoreError } from './errors.js';

/**
 * Where the data key that seals personal domains comes from: the SecureElement (src/security)
 * offers it, and the store, below security, names only the one call it needs.
 */
export interface DataKeySource {
  /** The 32-byte key personal domains are sealed with; the same on every call. */
  dataKey(): Promise<Buffer>;
}

/** Turns a domain's values into bytes and back. `decode` must reject bytes it cannot read (throw). */
export interface Codec<V> {
  /** A short name for error messages ("json", "bytes"). */
  readonly name: string;
  encode(value: V): Uint8Array;
  decode(bytes: Uint8Array): V;
}

export interface DomainSpec<V> {
  /** Letters and digits, starting with a lower-case letter (`deviceLog`, `historicDeviceLog`). `meta` is the store's own. */
  name: string;
  codec: Codec<V>;
  /** Values hold personal data: they are stored AES-256-GCM encrypted under the data key. */
  personal?: boolean;
  /**
   * Keys are personal (an MPRN, an MPAN): every key given to this domain is stored as
   * HMAC-SHA-256(subkey, key) in hex, so it never reaches disk. Lookups by the natural key work as
   * before; iteration yields the hashed keys (in hash order), so keep the natural key in the value
   * if it must be listed. Requires `personal`.
   */
  hashKeys?: boolean;
  /** Reject a value before anything is written (throw a HubError); runs for `put` and every batch op. */
  validate?: (value: V) => void;
}

/** Key bounds for ordered reads; keys compare as UTF-8 bytes (use `sequenceKey` for numbers). */
export interface RangeOptions {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  reverse?: boolean;
  /** At most this many entries; all when omitted. */
  limit?: number;
}

export interface Domain<V> {
  readonly name: string;
  readonly personal: boolean;
  readonly hashKeys: boolean;
  get(key: string): Promise<V | undefined>;
  has(key: string): Promise<boolean>;
  /** Durable: resolves once the value is synced to disk. */
  put(key: string, value: V): Promise<void>;
  /** Durable; deleting an absent key is not an error. */
  del(key: string): Promise<void>;
  /** Entries in key order (reverse when asked). Keys of a `hashKeys` domain are the hashes. */
  entries(range?: RangeOptions): AsyncIterable<[key: string, value: V]>;
  keys(range?: RangeOptions): AsyncIterable<string>;
  /** The first entry in key order (the oldest, with `sequenceKey`), or undefined when empty. */
  first(): Promise<[key: string, value: V] | undefined>;
  /** The last entry in key order (the newest, with `sequenceKey`), or undefined when empty. */
  last(): Promise<[key: string, value: V] | undefined>;
  count(range?: RangeOptions): Promise<number>;
  /** Durably delete every entry in the range (all when omitted), atomically. */
  clear(range?: RangeOptions): Promise<void>;
  /** The key as stored: the HMAC for a `hashKeys` domain, the key itself otherwise. */
  storedKey(key: string): string;
}

/** Builds an atomic, durable write across domains; nothing is written until `write()`. */
export interface Batch {
  put<V>(domain: Domain<V>, key: string, value: V): Batch;
  del<V>(domain: Domain<V>, key: string): Batch;
  readonly length: number;
  /** Validates and encodes every op first; if any fails, nothing is written and the error says which. */
  write(): Promise<void>;
  /**
   * The same, atomic, but resolved without waiting for the disk: a power cut may undo it until the
   * next synced write, which carries it. Only for a write whose loss repeats what the hub may
   * repeat anyway (deleting an upstream message the broker acknowledged: it is sent again).
   */
  writeUnsynced(): Promise<void>;
}

/** What a migration may do: read any domain, and queue writes that commit atomically with the version bump. */
export interface MigrationContext {
  domain<V>(spec: DomainSpec<V>): Promise<Domain<V>>;
  batch: Batch;
}

export interface Migration {
  /** The schema version this migration produces; migrations are numbered 1, 2, 3... with no gaps. */
  version: number;
  description: string;
  up(context: MigrationContext): Promise<void>;
}

export interface StoreOptions {
  /** The LevelDB directory (created when missing). */
  path: string;
  /** Needed as soon as a `personal` domain is declared. */
  secureElement?: DataKeySource;
  /** Every schema change in order; those above the stored version run at open. */
  migrations?: readonly Migration[];
}

export interface Store {
  readonly path: string;
  /** The schema version after migrations (0 for a store with no migrations). */
  readonly schemaVersion: number;
  /**
   * What LevelDB reported while recovering at an open, since the last acknowledgement: damaged log
   * records it dropped. Empty when every open was clean; otherwise acknowledged writes may have been
   * lost, and the owner must say so loudly. Kept in `meta`, since LevelDB's own LOG is rewritten.
   */
  readonly recoveryProblems: readonly string[];
  /** The owner has dealt with the losses (restored from the head end, re-commissioned): forget them. */
  acknowledgeRecoveryProblems(): Promise<void>;
  /**
   * Declare (or look up again) a domain. A name keeps its `personal` and `hashKeys` flags for
   * life: they are recorded in `meta` and declaring them differently later is an error.
   */
  domain<V>(spec: DomainSpec<V>): Promise<Domain<V>>;
  batch(): Batch;
  /**
   * Set when a write failed (a full disk): every write is then refused with STORE_WRITE_FAILED
   * until the store is verified again (reopened, a probe synced), which a refused write tries at
   * most every 2 s, or `verify()` now.
   */
  readonly writeFailure: StoreError | undefined;
  verify(): Promise<void>;
  /**
   * Records changed on disk, by domain: a value that does not match its checksum, or (with the data
   * key) a sealed value that no longer opens; `drop` deletes them and records the loss.
   */
  sweepUnreadable(options: { drop: boolean }): Promise<Array<{ domain: string; records: number; sealed: boolean }>>;
  close(): Promise<void>;
}

const SEQUENCE_DIGITS = 16;

/**
 * A key that sorts like the number: 16 zero-padded decimal digits (every safe integer fits), so
 * logs and queues keyed by sequence read back in order.
 */
export function sequenceKey(sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 0) {
    throw new StoreError('STORE_BAD_KEY', `sequence ${sequence} is not a non-negative safe integer`);
  }
  return String(sequence).padStart(SEQUENCE_DIGITS, '0');
}

export function parseSequenceKey(key: string): number {
  if (!/^\d{16}$/.test(key)) throw new StoreError('STORE_BAD_KEY', `"${key}" is not a sequence key (16 decimal digits)`);
  return Number(key);
}
