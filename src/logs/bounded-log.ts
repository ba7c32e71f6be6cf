import { jsonCodec, type Domain, type DomainSpec, type RangeOptions, type Store } from '../store/index.js';

/**
 * A log that holds at most `capacity` entries and overwrites its oldest when full, as GBCS logs do.
 * Entries live in their own domain, in key order (sequence keys, or day keys for the GPF's logs);
 * the entry count and next sequence number live in the shared `logMeta` domain and change in the
 * same atomic batch as the entries, so a crash can never leave the count and the log disagreeing.
 * Writes run one at a time.
 */
export interface LogMeta {
  count: number;
  /** The next sequence number to hand out; never reused, even after a clear. */
  nextSequence: number;
}

function isLogMeta(value: unknown): value is LogMeta {
  const meta = value as LogMeta | null;
  return typeof meta === 'object' && meta !== null && Number.isSafeInteger(meta.count) && Number.isSafeInteger(meta.nextSequence);
}

const META_DOMAIN: DomainSpec<LogMeta> = { name: 'logMeta', codec: jsonCodec<LogMeta>(isLogMeta) };

export class BoundedLog<V> {
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: Store,
    readonly entries: Domain<V>,
    private readonly meta: Domain<LogMeta>,
    readonly capacity: number,
    private state: LogMeta,
  ) {}

  static async open<V>(store: Store, spec: DomainSpec<V>, capacity: number): Promise<BoundedLog<V>> {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`log capacity ${capacity} is not a positive integer`);
    const entries = await store.domain(spec);
    const meta = await store.domain(META_DOMAIN);
    const state = (await meta.get(spec.name)) ?? { count: await entries.count(), nextSequence: 0 };
    return new BoundedLog(store, entries, meta, capacity, state);
  }

  get name(): string {
    return this.entries.name;
  }

  count(): number {
    return this.state.count;
  }

  /** Runs `work` after every earlier write; a failed write re-reads the meta so memory matches disk. */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.writing.then(work).catch(async (error: unknown) => {
      this.state = (await this.meta.get(this.name).catch(() => undefined)) ?? this.state;
      throw error;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Append under the next sequence number; `build` receives it. Resolves with the stored value. */
  append(build: (sequence: number) => { key: string; value: V }): Promise<V> {
    return this.serial(async () => {
      const { key, value } = build(this.state.nextSequence);
      await this.write([[key, value]], this.state.nextSequence + 1);
      return value;
    });
  }

  /** Put entries by key (replacing any with the same key), evicting the oldest beyond capacity. */
  putMany(items: ReadonlyArray<readonly [string, V]>): Promise<void> {
    return this.serial(() => this.write(items, this.state.nextSequence));
  }

  private async write(items: ReadonlyArray<readonly [string, V]>, nextSequence: number): Promise<void> {
    const latest = new Map<string, V>(items);
    let count = this.state.count;
    for (const key of latest.keys()) if (!(await this.entries.has(key))) count++;
    const excess = Math.max(0, count - this.capacity);
    // The oldest `excess` keys among those kept and those arriving leave; an arrival older than
    // everything in a full log is therefore never written.
    const oldest: string[] = [];
    if (excess > 0) for await (const key of this.entries.keys({ limit: excess })) oldest.push(key);
    const evicted = new Set([...oldest, ...latest.keys()].sort().slice(0, excess));
    const batch = this.store.batch();
    for (const [key, value] of latest) if (!evicted.has(key)) batch.put(this.entries, key, value);
    for (const key of oldest) if (evicted.has(key)) batch.del(this.entries, key);
    const next: LogMeta = { count: count - excess, nextSequence };
    await batch.put(this.meta, this.name, next).write();
    this.state = next;
  }

  /** Delete the entries in `range` (all when omitted); resolves with how many went. */
  async remove(range?: RangeOptions): Promise<number> {
    const keys: string[] = [];
    for await (const key of this.entries.keys(range)) keys.push(key);
    return this.removeKeys(keys);
  }

  /**
   * Delete these keys (absent ones are skipped) in one atomic batch; resolves with how many went.
   * `replace` rewrites entries already held in the same batch (a retention purge trimming the entry
   * that straddles its cut-off); a key not held is skipped, so the count stays right.
   */
  removeKeys(keys: readonly string[], replace: ReadonlyArray<readonly [string, V]> = []): Promise<number> {
    return this.serial(async () => {
      const batch = this.store.batch();
      let removed = 0;
      for (const key of new Set(keys)) {
        if (!(await this.entries.has(key))) continue;
        batch.del(this.entries, key);
        removed++;
      }
      for (const [key, value] of replace) if (!keys.includes(key) && (await this.entries.has(key))) batch.put(this.entries, key, value);
      const next: LogMeta = { count: this.state.count - removed, nextSequence: this.state.nextSequence };
      await batch.put(this.meta, this.name, next).write();
      this.state = next;
      return removed;
    });
  }

  async read(range?: RangeOptions): Promise<Array<[string, V]>> {
    const out: Array<[string, V]> = [];
    for await (const entry of this.entries.entries(range)) out.push(entry);
    return out;
  }
}
