import { afterEach, expect } from 'vitest';
import { EmberStatus, SLStatus } from '../../../hal/ezsp/index.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import { SystemClock, type ManualClock } from '../../../hal/clock.js';
import type { Logger } from '../../../hal/log.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { loadScenario, type Scenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { RawHost } from './raw-host.js';

export const ESME = '00DB1234567890A0';
export const PPMID = '00DB1234567890A4';
export const INTRUDER = '00DB1234567890AF';
export const ADDRESS = { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1 };
export const NETWORK = { extendedPanId: '00DB123456789000', panId: 0x1a62, radioTxPower: 8, radioChannel: 15, joinMethod: 0, nwkManagerId: 0, nwkUpdateId: 0, channels: 1 << 15 };

export const GSME = '00DB1234567890A1';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A simulator on the built-in scenario, served to a RawHost over an in-memory pair; torn down after each test. */
export async function setUp(options: { clock?: ManualClock; ezspVersion?: number; scenario?: Scenario; logger?: Logger } = {}) {
  const scenario = options.scenario ?? (await loadScenario(undefined));
  const sim = new Simulator({ scenario, clock: options.clock ?? new SystemClock(), ezspVersion: options.ezspVersion, logger: options.logger, ash: { ackTimeInitMs: 400, ackTimeMinMs: 100 } });
  const [hostSide, ncpSide] = memoryTransportPair('sim');
  sim.serve(ncpSide);
  const host = new RawHost(hostSide);
  cleanup.push(() => host.close(), () => sim.close());
  await host.connect();
  return { sim, host, scenario };
}

export async function formed(options: { clock?: ManualClock; scenario?: Scenario; ezspVersion?: number } = {}) {
  const setup = await setUp(options);
  await setup.host.negotiate(options.ezspVersion);
  expect(await setup.host.call('formNetwork', { parameters: NETWORK })).toEqual({ status: EmberStatus.SUCCESS });
  await setup.host.waitFor('stackStatusHandler');
  return setup;
}

export async function admit(host: RawHost, eui64: string, installCode: string, seconds = 60) {
  expect(await host.call('importTransientKey', { eui64, plaintextKey: linkKeyFromInstallCode(installCode), flags: 0 })).toEqual({ status: SLStatus.OK });
  expect(await host.call('permitJoining', { duration: seconds })).toEqual({ status: EmberStatus.SUCCESS });
}


/** Let pending I/O callbacks and promise continuations run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Wait (in real time, bounded) until `check` holds; for outcomes that follow an ASH acknowledgement. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition still false after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
