import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../hal/clock.js';
import { withInstallCodeCrc } from '../../../hal/install-code.js';
import { DeviceLog, type DeviceLogChange, type DeviceLogOptions } from '../../../src/chf/device-log.js';
import { openStore, type Store } from '../../../src/store/index.js';

/** A real LevelDB store in a temp dir, reopenable with the same data key. */
export class TempStore {
  readonly dataKey = randomBytes(32);
  store!: Store;

  private constructor(readonly dir: string) {}

  static async create(): Promise<TempStore> {
    const temp = new TempStore(await mkdtemp(join(tmpdir(), 'hub-chf-')));
    await temp.open();
    return temp;
  }

  get path(): string {
    return join(this.dir, 'db');
  }

  async open(): Promise<Store> {
    this.store = await openStore({ path: this.path, secureElement: { dataKey: async () => Buffer.from(this.dataKey) } });
    return this.store;
  }

  async reopen(): Promise<Store> {
    await this.store.close();
    return this.open();
  }

  async dispose(): Promise<void> {
    await this.store.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** EUI-64 number n of a test HAN. */
export const eui = (n: number): string => `00DB1234567800${n.toString(16).toUpperCase().padStart(2, '0')}`;

/** A valid 16-byte install code (CRC appended) that differs per seed. */
export const installCode = (seed: number): Buffer => withInstallCodeCrc(Buffer.alloc(16, seed));

export async function openLog(temp: TempStore, clock = new ManualClock(), options: DeviceLogOptions = {}) {
  const log = await DeviceLog.open(temp.store, { clock, ...options });
  const changes: DeviceLogChange[] = [];
  log.on('changed', (change) => changes.push(change));
  return { log, clock, changes };
}

export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error as Error & { code?: string };
}
