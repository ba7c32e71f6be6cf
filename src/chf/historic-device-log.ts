import type { Eui64 } from '../../hal/radio.js';
import { isEui64 } from '../../hal/eui64.js';
import { jsonCodec, type Batch, type Domain, type Store } from '../store/index.js';
import { LINK_KEY_LENGTH } from './link-key-hash.js';

/**
 * The CHF Historic Device Log (CCS02): the TC link keys of Devices removed from the Device Log, so
 * a Device added back can resume with its old key (CCS01). At most 15 entries; a new one
 * overwrites the oldest; a Device already present is updated in place (it keeps its age).
 */
export const HISTORIC_DEVICE_LOG_CAPACITY = 15;

export interface HistoricDeviceEntry {
  eui64: Eui64;
  tcLinkKey: Buffer;
  /** When the key was (last) recorded, ms since the epoch. */
  recordedAt: number;
}

interface StoredHistoricEntry {
  eui64: string;
  tcLinkKey: string;
  recordedAt: number;
  /** Order of first recording: the smallest is the oldest, the one a new entry overwrites. */
  slot: number;
}

function isStoredHistoricEntry(value: unknown): value is StoredHistoricEntry {
  const v = value as StoredHistoricEntry;
  return (
    typeof v === 'object' && v !== null && typeof v.eui64 === 'string' && isEui64(v.eui64) &&
    typeof v.tcLinkKey === 'string' && /^[0-9a-f]{32}$/.test(v.tcLinkKey) &&
    Number.isSafeInteger(v.recordedAt) && Number.isSafeInteger(v.slot)
  );
}

/** Link keys are personal data: the domain is encrypted at rest. */
export const HISTORIC_DEVICE_LOG_DOMAIN = { name: 'historicDeviceLog', codec: jsonCodec(isStoredHistoricEntry), personal: true } as const;

function toEntry(stored: StoredHistoricEntry): HistoricDeviceEntry {
  return { eui64: stored.eui64, tcLinkKey: Buffer.from(stored.tcLinkKey, 'hex'), recordedAt: stored.recordedAt };
}

/**
 * Read access plus planned writes: the Device Log puts a historic record and the removal of the
 * Device in one atomic batch, and applies the in-memory change only once that batch is on disk.
 */
export class HistoricDeviceLog {
  private constructor(
    private readonly domain: Domain<StoredHistoricEntry>,
    private readonly entries: Map<Eui64, StoredHistoricEntry>,
  ) {}

  static async open(store: Store): Promise<HistoricDeviceLog> {
    const domain = await store.domain(HISTORIC_DEVICE_LOG_DOMAIN);
    const entries = new Map<Eui64, StoredHistoricEntry>();
    for await (const [, stored] of domain.entries()) entries.set(stored.eui64, stored);
    return new HistoricDeviceLog(domain, entries);
  }

  get size(): number {
    return this.entries.size;
  }

  has(eui64: Eui64): boolean {
    return this.entries.has(eui64);
  }

  get(eui64: Eui64): HistoricDeviceEntry | undefined {
    const stored = this.entries.get(eui64);
    return stored && toEntry(stored);
  }

  /** Oldest first. */
  list(): HistoricDeviceEntry[] {
    return this.ordered().map(toEntry);
  }

  private ordered(): StoredHistoricEntry[] {
    return [...this.entries.values()].sort((a, b) => a.slot - b.slot);
  }

  /** Queue the record of `eui64`'s key onto `batch`; call the returned function once the batch is written. */
  planRecord(batch: Batch, eui64: Eui64, tcLinkKey: Buffer, at: number): () => void {
    if (tcLinkKey.length !== LINK_KEY_LENGTH) throw new RangeError(`a TC link key is ${LINK_KEY_LENGTH} bytes`);
    const existing = this.entries.get(eui64);
    const ordered = this.ordered();
    const evicted = !existing && ordered.length >= HISTORIC_DEVICE_LOG_CAPACITY ? ordered[0] : undefined;
    const slot = existing?.slot ?? (ordered.at(-1)?.slot ?? 0) + 1;
    const stored: StoredHistoricEntry = { eui64, tcLinkKey: tcLinkKey.toString('hex'), recordedAt: at, slot };
    if (evicted) batch.del(this.domain, evicted.eui64);
    batch.put(this.domain, eui64, stored);
    return () => {
      if (evicted) this.entries.delete(evicted.eui64);
      this.entries.set(eui64, stored);
    };
  }

  /** Queue the removal of `eui64`'s record (its key moved back into the Device Log). */
  planForget(batch: Batch, eui64: Eui64): () => void {
    if (!this.entries.has(eui64)) return () => undefined;
    batch.del(this.domain, eui64);
    return () => {
      this.entries.delete(eui64);
    };
  }
}
