import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../../hal/clock.js';
import { HUB_EVENTS, openHubLogs, type HubLogs, type LogEntry } from '../../../src/logs/index.js';
import type { ScryptParameters } from '../../../src/security/pin-hash.js';
import { PinStore } from '../../../src/security/pin-store.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { dataKeyOf, tempDir } from '../store/helpers.js';

/** Cheap scrypt for tests that hash many times; the default parameters have their own test. */
export const TEST_SCRYPT: ScryptParameters = { N: 1024, r: 8, p: 1, keyLength: 32 };
export const START = Date.UTC(2026, 4, 1, 9, 0, 0);
export const HUB_IDENTIFIERS = ['00DB4829170356A1', '00DB6612039487B2'];

export interface PinRig {
  path: string;
  dataKey: Buffer;
  clock: ManualClock;
  store: Store;
  logs: HubLogs;
  pins: PinStore;
  /** Security Log entries, oldest first, as [event name, detail]. */
  security(): Promise<Array<[string, LogEntry['detail']]>>;
  reopen(scrypt?: ScryptParameters): Promise<PinRig>;
  close(): Promise<void>;
}

const NAMES = new Map<number, string>(Object.entries(HUB_EVENTS).map(([name, event]) => [event.code, name]));

export async function openPinRig(options: { path?: string; dataKey?: Buffer; clock?: ManualClock; scrypt?: ScryptParameters } = {}): Promise<PinRig> {
  const path = options.path ?? (await tempDir('hub-pin-'));
  const dataKey = options.dataKey ?? randomBytes(32);
  const clock = options.clock ?? new ManualClock(START);
  const store = await openStore({ path, secureElement: dataKeyOf(dataKey) });
  const logs = await openHubLogs(store, clock);
  const pins = await PinStore.open(store, { clock, securityLog: logs.securityLog, identifiers: async () => HUB_IDENTIFIERS, scrypt: options.scrypt ?? TEST_SCRYPT });
  const rig: PinRig = {
    path,
    dataKey,
    clock,
    store,
    logs,
    pins,
    security: async () => (await logs.securityLog.newest()).reverse().map((entry) => [NAMES.get(entry.code) ?? String(entry.code), entry.detail]),
    reopen: async (scrypt) => {
      await store.close();
      return openPinRig({ path, dataKey, clock, scrypt: scrypt ?? options.scrypt ?? TEST_SCRYPT });
    },
    close: () => store.close(),
  };
  return rig;
}

/** The error `promise` rejects with (failing the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error(`expected a rejection with an Error, got ${String(error)}`);
  return error;
}
