import type { Level } from 'level';
import { HubError } from '../../hal/errors.js';
import { StoreError } from './errors.js';
import type { Sealer } from './sealing.js';
import type { Domain, DomainSpec, RangeOptions } from './store.js';
import { verified, withChecksum } from './value-check.js';

export type Database = Level<string, Uint8Array>;

export function openSublevel(db: Database, name: string) {
  return db.sublevel<string, Uint8Array>(name, { keyEncoding: 'utf8', valueEncoding: 'view' });
}
export type Sublevel = ReturnType<typeof openSublevel>;

/** One encoded write, ready for LevelDB. */
export type PreparedOp =
  | { type: 'put'; sublevel: Sublevel; key: string; value: Uint8Array }
  | { type: 'del'; sublevel: Sublevel; key: string };

/** What a domain needs from the store that made it. */
export interface DomainHost {
  readonly path: string;
  /** Atomic, synced write of already-prepared ops. */
  commit(ops: PreparedOp[], where: string): Promise<void>;
  /** Runs a read, turning level failures into StoreErrors. */
  read<T>(where: string, doing: string, run: () => Promise<T>): Promise<T>;
}

const MAX_KEY_LENGTH = 1024;

function toLevelRange(range: RangeOptions = {}): RangeOptions {
  const { gt, gte, lt, lte, reverse, limit } = range;
  const options: RangeOptions = { reverse: reverse ?? false, limit: limit ?? -1 };
  if (gt !== undefined) options.gt = gt;
  if (gte !== undefined) options.gte = gte;
  if (lt !== undefined) options.lt = lt;
  if (lte !== undefined) options.lte = lte;
  return options;
}

export class LevelDomain<V> implements Domain<V> {
  readonly name: string;
  readonly personal: boolean;
  readonly hashKeys: boolean;

  constructor(
    private readonly spec: DomainSpec<V>,
    readonly sublevel: Sublevel,
    readonly host: DomainHost,
    private readonly sealer: Sealer | undefined,
  ) {
    this.name = spec.name;
    this.personal = spec.personal ?? false;
    this.hashKeys = spec.hashKeys ?? false;
  }

  storedKey(key: string): string {
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      // The key itself may be personal: never echo it.
      throw new StoreError('STORE_BAD_KEY', `a key must be a string of 1..${MAX_KEY_LENGTH} characters`, { where: this.name });
    }
    return this.hashKeys ? this.sealer!.hashKey(this.name, key) : key;
  }

  /** Validate, encode and (for personal domains) encrypt one put, without writing it. */
  preparePut(key: string, value: V): PreparedOp {
    const storedKey = this.storedKey(key);
    const where = `${this.name}/${storedKey}`;
    let bytes: Uint8Array;
    try {
      this.spec.validate?.(value);
      bytes = this.spec.codec.encode(value);
    } catch (cause) {
      if (cause instanceof HubError) throw cause;
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new StoreError('STORE_BAD_VALUE', `value refused by the ${this.spec.codec.name} codec: ${why}`, { where, cause });
    }
    const value_ = this.personal ? this.sealer!.seal(this.name, storedKey, bytes) : bytes;
    return { type: 'put', sublevel: this.sublevel, key: storedKey, value: withChecksum(this.name, storedKey, value_) };
  }

  prepareDel(key: string): PreparedOp {
    return { type: 'del', sublevel: this.sublevel, key: this.storedKey(key) };
  }

  private decode(storedKey: string, raw: Uint8Array): V {
    const checked = verified(this.name, storedKey, raw, this.host.path, this.personal);
    const bytes = this.personal ? this.sealer!.open(this.name, storedKey, checked) : checked;
    try {
      return this.spec.codec.decode(bytes);
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause);
      throw new StoreError('STORE_UNREADABLE', `stored value cannot be read by the ${this.spec.codec.name} codec: ${why}`, {
        where: `${this.name}/${storedKey}`,
        cause,
      });
    }
  }

  async get(key: string): Promise<V | undefined> {
    const storedKey = this.storedKey(key);
    const where = `${this.name}/${storedKey}`;
    const raw = await this.host.read(where, 'read', () => this.sublevel.get(storedKey));
    return raw === undefined ? undefined : this.decode(storedKey, raw);
  }

  async has(key: string): Promise<boolean> {
    const storedKey = this.storedKey(key);
    const raw = await this.host.read(`${this.name}/${storedKey}`, 'read', () => this.sublevel.get(storedKey));
    return raw !== undefined;
  }

  async put(key: string, value: V): Promise<void> {
    const op = this.preparePut(key, value);
    return this.host.commit([op], `${this.name}/${op.key}`);
  }

  async del(key: string): Promise<void> {
    const op = this.prepareDel(key);
    return this.host.commit([op], `${this.name}/${op.key}`);
  }

  async *entries(range?: RangeOptions): AsyncIterable<[string, V]> {
    const iterator = await this.host.read(this.name, 'iterate', async () => this.sublevel.iterator(toLevelRange(range)));
    try {
      for (;;) {
        const entry = await this.host.read(this.name, 'iterate', () => iterator.next());
        if (entry === undefined) return;
        const [storedKey, raw] = entry;
        yield [storedKey, this.decode(storedKey, raw)];
      }
    } finally {
      await iterator.close().catch(() => undefined);
    }
  }

  async *keys(range?: RangeOptions): AsyncIterable<string> {
    const iterator = await this.host.read(this.name, 'iterate', async () => this.sublevel.keys(toLevelRange(range)));
    try {
      for (;;) {
        const key = await this.host.read(this.name, 'iterate', () => iterator.next());
        if (key === undefined) return;
        yield key;
      }
    } finally {
      await iterator.close().catch(() => undefined);
    }
  }

  private async one(reverse: boolean): Promise<[string, V] | undefined> {
    for await (const entry of this.entries({ reverse, limit: 1 })) return entry;
    return undefined;
  }

  first(): Promise<[string, V] | undefined> {
    return this.one(false);
  }

  last(): Promise<[string, V] | undefined> {
    return this.one(true);
  }

  async count(range?: RangeOptions): Promise<number> {
    let n = 0;
    for await (const _ of this.keys(range)) n++;
    return n;
  }

  async clear(range?: RangeOptions): Promise<void> {
    const ops: PreparedOp[] = [];
    for await (const key of this.keys(range)) ops.push({ type: 'del', sublevel: this.sublevel, key });
    if (ops.length > 0) await this.host.commit(ops, this.name);
  }
}
