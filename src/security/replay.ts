import { HubError } from '../../hal/errors.js';
import type { Eui64 } from '../../hal/radio.js';
import { jsonCodec, type Domain, type Store } from '../store/index.js';

/**
 * Originator counters (GBCS replay protection). For each remote party, the counter of the last
 * command the hub accepted from it: a command must carry a strictly greater one. And the hub's own
 * counter, which every alert it raises carries, strictly increasing for the life of the hub.
 * Counters are 64-bit: stored as decimal strings, compared as bigints.
 */
export class ReplayError extends HubError {
  constructor(
    readonly party: Eui64,
    readonly counter: bigint,
    readonly lastAccepted: bigint,
  ) {
    super('REPLAYED', `originator counter ${counter} is not above ${lastAccepted}, the last accepted from this party`, { where: party });
  }
}

interface StoredCounter {
  value: string;
}

function isStoredCounter(value: unknown): value is StoredCounter {
  const v = value as StoredCounter | null;
  return typeof v === 'object' && v !== null && typeof v.value === 'string' && /^\d{1,20}$/.test(v.value);
}

export const COUNTERS_DOMAIN = { name: 'counters', codec: jsonCodec(isStoredCounter) } as const;

const MAX_COUNTER = (1n << 64n) - 1n;
const OWN_KEY = 'own';
const partyKey = (party: Eui64): string => `party:${party}`;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Accepting is immediate in memory (the next check already sees it) and durable soon after: the
 * writes of commands that arrive together are group-committed, one synced batch for all of them,
 * so a burst costs one disk flush rather than one per command. A caller must not act on a command
 * before its `accept` resolves. A write that fails puts the in-memory value back.
 */
export class OriginatorCounters {
  private readonly accepted = new Map<Eui64, bigint>();
  /** What is on disk, to fall back to when a write fails. */
  private readonly durable = new Map<string, bigint>();
  private own: bigint;
  private pending = new Map<string, bigint>();
  private waiters: Waiter[] = [];
  private writing: Promise<void> | undefined;

  private constructor(
    private readonly store: Store,
    private readonly domain: Domain<StoredCounter>,
    own: bigint,
  ) {
    this.own = own;
    this.durable.set(OWN_KEY, own);
  }

  static async open(store: Store): Promise<OriginatorCounters> {
    const domain = await store.domain(COUNTERS_DOMAIN);
    const own = await domain.get(OWN_KEY);
    const counters = new OriginatorCounters(store, domain, own ? BigInt(own.value) : 0n);
    for await (const [key, stored] of domain.entries({ gte: 'party:', lt: 'party;' })) {
      counters.accepted.set(key.slice('party:'.length) as Eui64, BigInt(stored.value));
      counters.durable.set(key, BigInt(stored.value));
    }
    return counters;
  }

  lastAccepted(party: Eui64): bigint | undefined {
    return this.accepted.get(party);
  }

  /** Throws ReplayError when `counter` is not above the last accepted from `party`. Changes nothing. */
  check(party: Eui64, counter: bigint): void {
    const last = this.accepted.get(party);
    if (last !== undefined && counter <= last) throw new ReplayError(party, counter, last);
  }

  /**
   * Accept a command's counter: checked and taken at once (of two racing commands with one counter
   * only one is accepted), resolved once it is on disk.
   */
  accept(party: Eui64, counter: bigint): Promise<void> {
    try {
      this.check(party, counter);
    } catch (error) {
      return Promise.reject(error);
    }
    this.accepted.set(party, counter);
    return this.schedule(partyKey(party), counter);
  }

  /** The hub's counter for its next alert: durable before it is handed out, so it is never reused after a restart. */
  async nextOwn(): Promise<bigint> {
    if (this.own >= MAX_COUNTER) throw new HubError('COUNTER_EXHAUSTED', 'the hub\'s originator counter has reached 2^64 - 1');
    const next = ++this.own;
    await this.schedule(OWN_KEY, next);
    return next;
  }

  /** The last counter the hub used. */
  get lastOwn(): bigint {
    return this.own;
  }

  /** Set a starting point (provisioning, tests); the own counter only ever moves forward. */
  async seed(values: { own?: bigint; parties?: ReadonlyArray<[Eui64, bigint]> }): Promise<void> {
    const writes: Array<Promise<void>> = [];
    if (values.own !== undefined && values.own > this.own) {
      this.own = values.own;
      writes.push(this.schedule(OWN_KEY, values.own));
    }
    for (const [party, value] of values.parties ?? []) {
      this.accepted.set(party, value);
      writes.push(this.schedule(partyKey(party), value));
    }
    await Promise.all(writes);
  }

  private schedule(key: string, value: bigint): Promise<void> {
    this.pending.set(key, value);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.writing ??= this.writeAll();
    return done;
  }

  /** One synced batch at a time; whatever was accepted meanwhile goes in the next. */
  private async writeAll(): Promise<void> {
    // Let the commands that arrived together join the first batch.
    await Promise.resolve();
    while (this.pending.size > 0) {
      const values = this.pending;
      const waiters = this.waiters;
      this.pending = new Map();
      this.waiters = [];
      const batch = this.store.batch();
      for (const [key, value] of values) batch.put(this.domain, key, { value: value.toString() });
      try {
        await batch.write();
        for (const [key, value] of values) this.durable.set(key, value);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        this.rollBack(values);
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.writing = undefined;
  }

  private rollBack(values: ReadonlyMap<string, bigint>): void {
    for (const [key, value] of values) {
      if (this.pending.has(key)) continue;
      const durable = this.durable.get(key);
      if (key === OWN_KEY) continue; // an own counter handed out or not is never reused: leave it advanced
      const party = key.slice('party:'.length) as Eui64;
      if (this.accepted.get(party) !== value) continue;
      if (durable === undefined) this.accepted.delete(party);
      else this.accepted.set(party, durable);
    }
  }
}
