import { HubError } from '../../hal/errors.js';
import type { Eui64 } from '../../hal/radio.js';
import { jsonCodec, type Batch, type Domain, type Store } from '../store/store.js';

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

export class OriginatorCounters {
  private readonly accepted = new Map<Eui64, bigint>();
  private own: bigint;
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: Store,
    private readonly domain: Domain<StoredCounter>,
    own: bigint,
  ) {
    this.own = own;
  }

  static async open(store: Store): Promise<OriginatorCounters> {
    const domain = await store.domain(COUNTERS_DOMAIN);
    const own = await domain.get(OWN_KEY);
    const counters = new OriginatorCounters(store, domain, own ? BigInt(own.value) : 0n);
    for await (const [key, stored] of domain.entries({ gte: 'party:', lt: 'party;' })) {
      counters.accepted.set(key.slice('party:'.length) as Eui64, BigInt(stored.value));
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
   * Record an accepted command's counter. Checked again inside the write queue, so of two commands
   * racing with the same counter only one is accepted.
   */
  accept(party: Eui64, counter: bigint): Promise<void> {
    return this.serial(async () => {
      this.check(party, counter);
      await this.domain.put(partyKey(party), { value: counter.toString() });
      this.accepted.set(party, counter);
    });
  }

  /** The hub's counter for its next alert: durable before it is handed out, so it is never reused after a restart. */
  nextOwn(): Promise<bigint> {
    return this.serial(async () => {
      if (this.own >= MAX_COUNTER) throw new HubError('COUNTER_EXHAUSTED', 'the hub\'s originator counter has reached 2^64 - 1');
      const next = this.own + 1n;
      await this.domain.put(OWN_KEY, { value: next.toString() });
      this.own = next;
      return next;
    });
  }

  /** The last counter the hub used. */
  get lastOwn(): bigint {
    return this.own;
  }

  /** Set a starting point (provisioning, tests): only ever forward, in one batch. */
  async seed(values: { own?: bigint; parties?: ReadonlyArray<[Eui64, bigint]> }): Promise<void> {
    await this.serial(async () => {
      const batch: Batch = this.store.batch();
      if (values.own !== undefined && values.own > this.own) batch.put(this.domain, OWN_KEY, { value: values.own.toString() });
      for (const [party, value] of values.parties ?? []) batch.put(this.domain, partyKey(party), { value: value.toString() });
      await batch.write();
      if (values.own !== undefined && values.own > this.own) this.own = values.own;
      for (const [party, value] of values.parties ?? []) this.accepted.set(party, value);
    });
  }

  private serial<T>(run: () => Promise<T>): Promise<T> {
    const result = this.tail.then(run);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
