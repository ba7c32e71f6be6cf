import { resolve } from 'node:path';
import { SystemClock, type Clock } from '../../hal/clock.js';
import { DeviceLog } from '../chf/index.js';
import { FirmwareImages, ImageReceiver } from '../firmware/index.js';
import { GasProxyData } from '../gpf/index.js';
import { NetworkIdentity } from '../han/index.js';
import { openHubLogs, type HubLogs } from '../logs/index.js';
import { SecurityCredentials } from '../security/credentials.js';
import { PinStore } from '../security/pin-store.js';
import type { Store } from '../store/index.js';
import { openLocalStore } from './local-store.js';
import type { ControlContext } from './operation.js';

export interface LocalContextOptions {
  storePath: string;
  /** Where keys.json is (default: the store directory). */
  keysDir?: string;
  /** The operation reads sealed domains, so the data key is needed. */
  sealed: boolean;
  /** First use at installation: the store may not exist yet. */
  creating: boolean;
  /** The clock PIN lockouts and log entries use (tests give a manual one); default the system's. */
  clock?: Clock;
}

function once<T>(open: () => Promise<T>): () => Promise<T> {
  let opened: Promise<T> | undefined;
  return () => (opened ??= open());
}

/**
 * The same parts a running hub hands its operations, built on a store this process opens itself
 * (no hub is running). Each part is opened on first use; `run` closes the store afterwards.
 */
export async function withLocalContext<T>(options: LocalContextOptions, run: (context: ControlContext) => Promise<T>): Promise<T> {
  const storePath = resolve(options.storePath);
  const opened = options.sealed
    ? await openLocalStore(storePath, { ...(options.keysDir ? { keysDir: options.keysDir } : {}), creating: options.creating })
    : await openLocalStore(storePath, { unsealed: true });
  const { store, secureElement } = opened;
  const clock = options.clock ?? new SystemClock();
  const closers: Array<() => Promise<unknown>> = [];
  const logs = once<HubLogs>(() => openHubLogs(store, clock));
  const credentials = once(() => SecurityCredentials.open(store));
  const context: ControlContext = {
    storePath,
    live: false,
    store: async (): Promise<Store> => store,
    deviceLog: once(async () => {
      const log = await DeviceLog.open(store, { clock });
      closers.push(() => log.close());
      return log;
    }),
    logs,
    pins: once(async () => PinStore.open(store, { clock, securityLog: (await logs()).securityLog, identifiers: async () => secureElement?.owners() ?? [] })),
    gasProxyData: once(() => GasProxyData.open(store)),
    networkIdentity: once(() => NetworkIdentity.open(store)),
    firmware: once(async () => {
      const images = await FirmwareImages.open(store, { clock });
      // Opened to read progress only: nothing is received or resumed here.
      const receiver = await ImageReceiver.open({ store, images, clock, credentials: await credentials(), targetOf: () => undefined });
      return { images, credentials: await credentials(), transfers: () => receiver.progress() };
    }),
    joinWindows: undefined,
    events: undefined,
    pairing: undefined,
    joinProgress: undefined,
  };
  try {
    return await run(context);
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await store.close();
  }
}
