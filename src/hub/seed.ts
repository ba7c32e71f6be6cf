import { HubError } from '../../hal/errors.js';
import { isEui64, notAnEui64 } from '../../hal/eui64.js';
import { withInstallCodeCrc } from '../../hal/install-code.js';
import type { Eui64 } from '../../hal/radio.js';
import type { LinkStatisticsTable } from '../chf/index.js';
import { HUB_EVENTS } from '../logs/index.js';
import type { GbcsHub } from './gbcs-hub.js';
import type { LinkStatistics } from '../use-case/index.js';

/**
 * A hub's state written down: what `hub gbcs process --state FILE` starts from, and what the
 * conformance harness seeds for each RTDS vector. Everything is applied through the state
 * modules' own operations (a historic entry by adding, keying and removing the Device), so a seed
 * cannot produce a state the hub could not reach itself.
 */
export interface HubSeed {
  /** ISO 8601; the hub's clock while seeding and after. */
  now?: string;
  extendedPanId?: string;
  counters?: { own?: string | number; parties?: Record<string, string | number> };
  historicDevices?: SeedDevice[];
  devices?: SeedDevice[];
  linkStatistics?: Record<string, SeedLinkStatistics>;
  events?: SeedEvent[];
  /** The suppliers whose credentials the hub holds for electricity (the lead) and for gas; unset: single supply. */
  supply?: { electricity?: string; gas?: string };
}

export interface SeedDevice {
  eui64: string;
  deviceType: string;
  /** Hex, without its CRC (the hub appends it, as CCS01 does). */
  installCode?: string;
  /** Hex, 16 bytes: a TC link key already established. */
  tcLinkKey?: string;
  /** ISO 8601. */
  lastCommunication?: string;
}

export interface SeedLinkStatistics {
  status: string;
  rssi: [max: number, average: number, min: number];
  lqi: [max: number, average: number, min: number];
  numberOfHops: number;
  transmissionFailures: number;
  transmissionSuccesses: number;
  applicationVersion: number;
  stackVersion: number;
}

export interface SeedEvent {
  at: string;
  /** A HUB_EVENTS code of the Event Log. */
  code: number;
  /** The command's Message Code, for the events that carry one (0x8154, 0x8155). */
  messageCode?: number;
}

export class SeedError extends HubError {}

export interface SeedTarget {
  hub: GbcsHub;
  linkStatistics: LinkStatisticsTable;
  /** Moves the hub's clock (a ManualClock's `set`). */
  setTime(ms: number): void;
}

export function seedTime(text: string, where: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new SeedError('SEED_INVALID', `"${text}" is not an ISO 8601 date-time`, { where });
  return ms;
}

function eui(text: string, where: string): Eui64 {
  const upper = String(text).toUpperCase();
  if (!isEui64(upper)) throw new SeedError('SEED_INVALID', notAnEui64(upper), { where });
  return upper;
}

function hex(text: string | undefined, where: string): Buffer | undefined {
  if (text === undefined) return undefined;
  if (typeof text !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(text)) throw new SeedError('SEED_INVALID', 'is not hex', { where });
  return Buffer.from(text, 'hex');
}

function counter(value: string | number, where: string): bigint {
  try {
    const parsed = BigInt(value);
    if (parsed < 0n) throw new RangeError('negative');
    return parsed;
  } catch {
    throw new SeedError('SEED_INVALID', `"${value}" is not a counter`, { where });
  }
}

async function addDevice({ hub, setTime }: SeedTarget, device: SeedDevice, where: string): Promise<Eui64> {
  const eui64 = eui(device.eui64, `${where}.eui64`);
  const installCode = hex(device.installCode, `${where}.installCode`);
  await hub.chf.deviceLog.add({ eui64, deviceType: device.deviceType, ...(installCode ? { installCode: withInstallCodeCrc(installCode) } : {}) });
  const key = hex(device.tcLinkKey, `${where}.tcLinkKey`);
  if (key) await hub.chf.deviceLog.recordLinkKey(eui64, key);
  if (device.lastCommunication !== undefined) {
    const at = seedTime(device.lastCommunication, `${where}.lastCommunication`);
    setTime(at);
    hub.chf.deviceLog.noteCommunication(eui64, at);
  }
  return eui64;
}

function statistics(seed: SeedLinkStatistics, where: string): LinkStatistics {
  const status = hex(seed.status, `${where}.status`) ?? Buffer.alloc(1);
  return {
    status: { bits: status.length * 8, value: status },
    rssi: { max: seed.rssi[0], average: seed.rssi[1], min: seed.rssi[2] },
    lqi: { max: seed.lqi[0], average: seed.lqi[1], min: seed.lqi[2] },
    numberOfHops: seed.numberOfHops,
    transmissionFailures: seed.transmissionFailures,
    transmissionSuccesses: seed.transmissionSuccesses,
    applicationVersion: seed.applicationVersion,
    stackVersion: seed.stackVersion,
  };
}

/** Apply `seed` to a freshly opened hub. Throws SeedError naming the field that is wrong. */
export async function applySeed(target: SeedTarget, seed: HubSeed): Promise<void> {
  const { hub, setTime } = target;
  const now = seed.now === undefined ? undefined : seedTime(seed.now, 'now');
  if (now !== undefined) setTime(now);
  for (const [i, device] of (seed.historicDevices ?? []).entries()) {
    if (!device.tcLinkKey) throw new SeedError('SEED_INVALID', 'a historic Device needs the tcLinkKey it had', { where: `historicDevices[${i}]` });
    const eui64 = await addDevice(target, { ...device, installCode: device.installCode ?? '00112233445566778899AABBCCDDEEFF' }, `historicDevices[${i}]`);
    await hub.chf.deviceLog.remove(eui64);
  }
  for (const [i, device] of (seed.devices ?? []).entries()) {
    // Each Device is added at `now`, one after the other, whatever time its last communication moved the clock to.
    if (now !== undefined) setTime(now + i);
    await addDevice(target, device, `devices[${i}]`);
  }
  for (const [key, stats] of Object.entries(seed.linkStatistics ?? {})) {
    target.linkStatistics.record(eui(key, `linkStatistics.${key}`), statistics(stats, `linkStatistics.${key}`));
  }
  for (const [i, event] of (seed.events ?? []).entries()) {
    setTime(seedTime(event.at, `events[${i}].at`));
    await hub.chf.eventLog.record(event.code, event.messageCode === undefined ? {} : { messageCode: event.messageCode });
  }
  const parties = Object.entries(seed.counters?.parties ?? {}).map(([party, value]): [Eui64, bigint] => [eui(party, `counters.parties.${party}`), counter(value, `counters.parties.${party}`)]);
  const own = seed.counters?.own === undefined ? undefined : counter(seed.counters.own, 'counters.own');
  const supply = seed.supply ?? {};
  await hub.chf.supply?.set({
    ...(supply.electricity === undefined ? {} : { electricity: eui(supply.electricity, 'supply.electricity') }),
    ...(supply.gas === undefined ? {} : { gas: eui(supply.gas, 'supply.gas') }),
  });
  await hub.counters.seed({ ...(own === undefined ? {} : { own }), parties });
  if (now !== undefined) setTime(now);
}

/** The Event Log codes a seed may record (the Security Log is never seeded: only the hub writes it). */
export const SEEDABLE_EVENT_CODES: ReadonlySet<number> = new Set(Object.values(HUB_EVENTS).filter((event) => event.log === 'event').map((event) => event.code));
