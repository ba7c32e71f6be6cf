import { once } from 'node:events';
import { SystemClock, type Clock } from '../../../hal/clock.js';
import { Outbox, type OutboxQuota } from '../../../src/wan/outbox.js';
import type { WanSettings } from '../../../src/wan/settings.js';
import { WanLink, type WanEvents, type WanLinkOptions } from '../../../src/wan/wan-link.js';
import { TempStore } from '../chf/helpers.js';

export const HUB = '00DB1234567890A0';

/** A WAN link on a real LevelDB outbox in a temp dir; `reopen` is a hub restart on the same disk. */
export class LinkRig {
  outbox!: Outbox;
  link!: WanLink;

  readonly clock: Clock;

  private constructor(
    readonly temp: TempStore,
    /** What the next `restart` builds the link with; change it to point the restarted hub elsewhere. */
    public settings: WanSettings,
    private readonly extra: Partial<Omit<WanLinkOptions, 'outbox' | 'settings'>>,
    private readonly quota: Partial<OutboxQuota> | undefined,
  ) {
    this.clock = extra.clock ?? new SystemClock();
  }

  static async create(settings: WanSettings, extra: Partial<Omit<WanLinkOptions, 'outbox' | 'settings'>> = {}, quota?: Partial<OutboxQuota>): Promise<LinkRig> {
    const rig = new LinkRig(await TempStore.create(), settings, extra, quota);
    await rig.build();
    return rig;
  }

  private async build(): Promise<void> {
    this.outbox = await Outbox.open(this.temp.store, { clock: this.clock, ...(this.quota ? { quota: this.quota } : {}) });
    this.link = new WanLink({ hub: HUB, ...this.extra, clock: this.clock, settings: this.settings, outbox: this.outbox });
  }

  /** Stop the link cleanly, close and reopen the store, and build a new link on it. */
  async restart(): Promise<void> {
    await this.link.stop();
    await this.outbox.close();
    await this.temp.reopen();
    await this.build();
  }

  next<K extends keyof WanEvents>(event: K, timeoutMs = 10_000): Promise<WanEvents[K]> {
    return once(this.link as never, event, { signal: AbortSignal.timeout(timeoutMs) }) as Promise<WanEvents[K]>;
  }

  async dispose(): Promise<void> {
    await this.link.stop().catch(() => undefined);
    await this.outbox.close().catch(() => undefined);
    await this.temp.dispose();
  }
}
