import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../hal/clock.js';
import type { EnergyReading } from '../../../hal/radio.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { decodeChannel, type SubGhzChannel } from '../../../src/subghz/channel.js';
import type { SubGhzEvents } from '../../../src/subghz/events.js';
import type { SubGhzRadio } from '../../../src/subghz/scan.js';
import { SubGhzState, type SubGhzOptions } from '../../../src/subghz/sub-ghz.js';

/**
 * A Sub GHz radio that answers energy scans from a table of per-channel energies and remembers the
 * channel it was set to, so a test sets each channel's energy directly; it speaks the Radio seam's
 * two methods exactly as the state calls them (test/integration/sub-ghz-start.test.ts runs the
 * EZSP radio against the simulator's dual-band NCP).
 */
export class TableRadio implements SubGhzRadio {
  /** dBm per channel value; channels not listed read as `quiet`. */
  readonly energy = new Map<number, number>();
  readonly setChannels: SubGhzChannel[] = [];
  scans = 0;
  failNextScan: Error | undefined;
  /** While set, scans wait for it: a scan that is still running. */
  gate: Promise<void> | undefined;

  constructor(readonly quiet = -100) {}

  async energyScan(channels: number[]): Promise<EnergyReading[]> {
    this.scans++;
    await this.gate;
    if (this.failNextScan) {
      const error = this.failNextScan;
      this.failNextScan = undefined;
      throw error;
    }
    return channels.map((channel) => ({ channel, maxRssi: this.energy.get(channel) ?? this.quiet }));
  }

  setChannel(channel: number): Promise<void> {
    this.setChannels.push(decodeChannel(channel));
    return Promise.resolve();
  }
}

/** A real LevelDB store in a temp dir, and a Sub GHz state over it that can be closed and reopened. */
export class Fixture {
  readonly clock = new ManualClock(Date.UTC(2026, 0, 1));
  readonly radio = new TableRadio();
  readonly events: Array<{ name: keyof SubGhzEvents; payload: unknown }> = [];
  private readonly dataKey = randomBytes(32);
  store!: Store;
  state!: SubGhzState;

  private constructor(
    readonly dir: string,
    private readonly options: Partial<SubGhzOptions>,
  ) {}

  static async create(options: Partial<SubGhzOptions> = {}): Promise<Fixture> {
    const fixture = new Fixture(await mkdtemp(join(tmpdir(), 'hub-subghz-')), options);
    await fixture.open();
    return fixture;
  }

  async open(): Promise<SubGhzState> {
    this.store = await openStore({ path: join(this.dir, 'db'), secureElement: { dataKey: async () => Buffer.from(this.dataKey) } });
    this.state = await SubGhzState.open(this.store, { clock: this.clock, radio: this.radio, ...this.options });
    const names: Array<keyof SubGhzEvents> = [
      'dutyCycleActionTaken', 'channelChanged', 'scanRequestAssessed', 'configurationChanged', 'commandDiscarded', 'capacityExhausted',
      'dutyCycleLevelChanged', 'devicePaused', 'deviceResumed', 'channelKept', 'failed',
    ];
    for (const name of names) this.state.on(name, (payload: unknown) => this.events.push({ name, payload }));
    return this.state;
  }

  async reopen(): Promise<SubGhzState> {
    await this.state.close();
    await this.store.close();
    return this.open();
  }

  /** The payloads of one event, in order. */
  seen<K extends keyof SubGhzEvents>(name: K): Array<SubGhzEvents[K][0]> {
    return this.events.filter((event) => event.name === name).map((event) => event.payload as SubGhzEvents[K][0]);
  }

  async dispose(): Promise<void> {
    await this.state.close().catch(() => undefined);
    await this.store.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

export const ESME = '00DB1234567890A0';
export const GSME = '00DB1234567890A1';
export const PPMID = '00DB1234567890A4';
