import type { Eui64 } from '../../../hal/radio.js';
import type { LinkStatistics, LinkStatisticsSource } from '../../use-case/index.js';

/**
 * The HAN link statistics CCS06 reports, per Device, as last measured. Held in memory: they are
 * measurements, rebuilt as Devices talk, not state to survive a restart.
 */
export class LinkStatisticsTable implements LinkStatisticsSource {
  private readonly byDevice = new Map<Eui64, LinkStatistics>();

  get(eui64: Eui64): LinkStatistics | undefined {
    return this.byDevice.get(eui64);
  }

  record(eui64: Eui64, statistics: LinkStatistics): void {
    this.byDevice.set(eui64, statistics);
  }

  forget(eui64: Eui64): void {
    this.byDevice.delete(eui64);
  }
}
