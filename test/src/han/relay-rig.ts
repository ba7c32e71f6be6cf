import { afterEach, beforeEach, expect } from 'vitest';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { SystemClock, type Clock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { DEVICE_TYPES, type DeviceType } from '../../../src/security/device-types.js';
import { HanAdmission } from '../../../src/han/admission.js';
import { HanRelay, type DeliveryReport, type RelayEvents } from '../../../src/han/relay.js';
import { SleepyQueue } from '../../../src/han/sleepy-queue.js';
import { openLog, TempStore } from '../chf/helpers.js';
import type { TunnelEndSettings } from '../../../hal/sim/tunnel-end.js';

/**
 * The relay against the real simulated NCP behind the real EZSP radio, over ASH on an in-memory
 * line, with the real Device Log and HAN admission. The simulated ESME and GSME play their own
 * GBCS tunnel ends (hal/sim/tunnel-end.ts). Torn down after each test.
 */

export const ESME = '00DB1234567890A0';
export const GSME = '00DB1234567890A1';
export const IHD = '00DB1234567890A5';
export const HOUR = 3_600_000;
export const gbcs = (text: string) => Buffer.concat([Buffer.of(0xdd, 0x00), Buffer.from(text)]);

export let temp: TempStore;
const cleanups: Array<() => Promise<void> | void> = [];
beforeEach(async () => {
  temp = await TempStore.create();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await temp.dispose();
});

export interface RigOptions {
  /** The queue's and relay's clock (the radio and simulator always run on real time). */
  clock?: Clock;
  capacity?: number;
  /** How the ESME answers the hub's tunnel requests. */
  esme?: Partial<TunnelEndSettings>;
  /** How long the NCP holds a message for the sleeping GSME before reporting it undelivered. */
  indirectTimeoutMs?: number;
  /** How long the GSME stays awake after it polls. */
  gsmeAwakeSeconds?: number;
  tunnelResponseTimeoutMs?: number;
  /** The type the Device Log holds the simulated ESME as (default ESME; Type2 makes it receive-only). */
  esmeType?: DeviceType;
}

export async function rig(options: RigOptions = {}) {
  const real = new SystemClock();
  const scenario = await loadScenario(undefined);
  if (options.indirectTimeoutMs !== undefined) scenario.aps.indirectTimeoutMs = options.indirectTimeoutMs;
  if (options.gsmeAwakeSeconds !== undefined) scenario.devices.find((d) => d.eui64 === GSME)!.awakeSeconds = options.gsmeAwakeSeconds;
  const sim = new Simulator({ scenario, clock: real, seed: 7 });
  const [hostSide, ncpSide] = memoryTransportPair('relay-sim');
  sim.serve(ncpSide);
  const radio = new EzspRadio({ link: new AshEndpoint({ role: 'host', transport: hostSide, clock: real }), clock: real, commandTimeoutMs: 2000, reconnectDelayMs: 50 });
  const { log } = await openLog(temp);
  const admission = new HanAdmission({ radio, log, clock: real, security: { record: () => undefined } });
  cleanups.push(async () => {
    await admission.stop().catch(() => undefined);
    await log.close().catch(() => undefined);
    await radio.stop().catch(() => undefined);
    await sim.close();
  });
  await radio.start();
  await radio.formNetwork({ channel: 15, panId: 0x1234 });
  admission.start();
  for (const [eui64, deviceType] of [[ESME, options.esmeType ?? 'ESME'], [GSME, 'GSME']] as const) {
    const installCode = scenario.devices.find((d) => d.eui64 === eui64)!.declaredInstallCode;
    await log.add({ eui64, deviceType, installCode });
    await admission.openWindow(eui64, linkKeyFromInstallCode(installCode), 60_000);
    const recorded = new Promise<void>((resolve) => admission.on('linkKeyEstablished', (d) => d.eui64 === eui64 && resolve()));
    expect(sim.join(eui64).joined).toBe(true);
    await recorded;
  }
  const clock = options.clock ?? real;
  const devices = {
    isSleepy: (eui64: string) => DEVICE_TYPES[log.get(eui64)?.deviceType ?? 'ESME'].sleepy,
    isReceiveOnly: (eui64: string) => DEVICE_TYPES[log.get(eui64)?.deviceType ?? 'ESME'].receiveOnly,
  };
  /** What the relay recorded for the Security Log. */
  const securityRecords: Array<{ code: string; eui64: string; reason: string }> = [];
  const security = { record: (code: string, detail: { eui64: string; reason: string }) => void securityRecords.push({ code, ...detail }) };
  const startRelay = async () => {
    const queue = await SleepyQueue.open({ store: temp.store, clock, capacity: options.capacity });
    const relay = new HanRelay({ radio, admission, devices, queue, clock, security, tunnelResponseTimeoutMs: options.tunnelResponseTimeoutMs });
    const events = record(relay);
    cleanups.push(async () => {
      await relay.stop();
      await queue.close();
    });
    await relay.start();
    return { relay, queue, events };
  };
  const esme = sim.tunnelEnd(ESME);
  esme.configure(options.esme ?? {});
  const gsme = sim.tunnelEnd(GSME);
  return { sim, radio, log, admission, esme, gsme, startRelay, securityRecords, ...(await startRelay()) };
}

export function record(relay: HanRelay) {
  const events = { message: [] as RelayEvents['message'][0][], queueSettled: [] as RelayEvents['queueSettled'][0][], refused: [] as RelayEvents['refused'][0][] };
  relay.on('message', (m) => events.message.push(m));
  relay.on('queueSettled', (o) => events.queueSettled.push(o));
  relay.on('refused', (r) => events.refused.push(r));
  return events;
}

/** Resolves once the relay has reported `count` queue outcomes in all. */
export function settledCount(relay: HanRelay, events: { queueSettled: unknown[] }, count: number): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (events.queueSettled.length < count) return;
      relay.off('queueSettled', check);
      resolve();
    };
    relay.on('queueSettled', check);
    check();
  });
}

export function queuedId(report: DeliveryReport): string {
  expect(report.status).toBe('QUEUED');
  return report.messageId!;
}

