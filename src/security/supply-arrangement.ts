import { HubError } from '../../hal/errors.js';
import { isEui64, notAnEui64 } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import { jsonCodec, type Batch, type Domain, type Store } from '../store/index.js';
import type { SupplyArrangement } from './role-policy.js';

/**
 * Which supplier holds the hub's electricity supplier anchor (the CHF's: the lead supplier) and
 * which the gas one (the GPF's), as role-policy.ts reads them. Set when the hub is provisioned
 * (a seed) and kept in step by CS02b when it replaces a supplier certificate on the CHF or GPF.
 * Certificates are public, and so is whose they are: not sealed.
 */
export class SupplyArrangementError extends HubError {}

function isStored(value: unknown): value is SupplyArrangement {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return Object.entries(v).every(([key, eui]) => (key === 'electricity' || key === 'gas') && typeof eui === 'string' && isEui64(eui));
}

export const SUPPLY_ARRANGEMENT_DOMAIN = { name: 'supplyArrangement', codec: jsonCodec(isStored) } as const;
const KEY = 'anchors';

type SupplyChange = { electricity?: Eui64 | undefined; gas?: Eui64 | undefined };

export class SupplyArrangementStore {
  private constructor(
    private readonly domain: Domain<SupplyArrangement>,
    private held: SupplyArrangement,
  ) {}

  static async open(store: Store): Promise<SupplyArrangementStore> {
    const domain = await store.domain(SUPPLY_ARRANGEMENT_DOMAIN);
    return new SupplyArrangementStore(domain, (await domain.get(KEY)) ?? {});
  }

  current(): SupplyArrangement {
    return { ...this.held };
  }

  /** Durably set the anchors given (an `undefined` one is cleared), keeping the other. */
  async set(change: SupplyChange): Promise<void> {
    const write = this.plan(change);
    if (!write) return;
    await this.domain.put(KEY, write.next);
    write.commit();
  }

  /** The change as a write to stage in another batch (CS02b's, with the certificates), or undefined when nothing changes. */
  plan(change: SupplyChange): { next: SupplyArrangement; stage(batch: Batch): void; commit(): void } | undefined {
    const next: SupplyArrangement = { ...this.held };
    for (const fuel of ['electricity', 'gas'] as const) {
      if (!(fuel in change)) continue;
      const eui = change[fuel];
      if (eui === undefined) {
        delete next[fuel];
      } else {
        if (!isEui64(eui)) throw new SupplyArrangementError('SUPPLY_BAD_EUI64', notAnEui64(eui), { where: fuel });
        next[fuel] = eui;
      }
    }
    if (next.electricity === this.held.electricity && next.gas === this.held.gas) return undefined;
    return {
      next,
      stage: (batch) => void batch.put(this.domain, KEY, next),
      commit: () => {
        this.held = next;
      },
    };
  }
}
