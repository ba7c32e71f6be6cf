import { createHash } from 'node:crypto';
import { dayKey } from '../../src/gpf/days.js';
import { GPF_LOG_SIZES } from '../../src/gpf/log-sizes.js';
import { HISTORIC_DEVICE_LOG_CAPACITY } from '../../src/chf/historic-device-log.js';
import { DEVICE_TYPES, type DeviceType } from '../../src/security/device-types.js';

/**
 * What the durability test's hub child does and what it reports, shared by the child and the test:
 * the operations (one JSON line before each starts, one after its promise resolved), the state the
 * child reads back through the hub's own modules when it starts, and a model that applies
 * acknowledged operations the way the CHF Device Log, the Historic Device Log and the GPF do.
 *
 * Install codes and link keys are shown only as digests: the test needs to know they survived,
 * not what they are.
 */
export type HubOp =
  | { op: 'add'; eui64: string; deviceType: DeviceType; installCode: string | null }
  | { op: 'key'; eui64: string; key: string }
  | { op: 'remove'; eui64: string }
  | { op: 'reading'; at: number; consumption: number }
  | { op: 'dailyRead'; day: string; consumption: number }
  | { op: 'dailyConsumption'; entries: Array<[day: string, consumption: number]> }
  | { op: 'profile'; intervals: Array<[start: number, consumption: number]> };

/** The one line the child waits for on stdin: `ops` runs operations until killed, `check` only reports its state. */
export interface ChildOrders {
  seed: number;
  run: number;
  mode: 'ops' | 'check';
}

/** A line the child prints: before an operation starts, once it is acknowledged, and its state at start. */
export type ChildLine =
  | { event: 'loaded' }
  | { begin: number; op: HubOp }
  | { ack: number }
  | { event: 'ready'; state: HubState; recoveryProblems: readonly string[] }
  | { event: 'failed'; code: string; message: string };

export interface HubState {
  /** By EUI-64. */
  devices: Array<{ eui64: string; deviceType: DeviceType; installCode: string | null; key: string | null }>;
  /** Oldest first: the order the Historic Device Log overwrites in. */
  historic: Array<{ eui64: string; key: string }>;
  latest: { at: number; consumption: number } | null;
  dailyReads: Array<[day: string, consumption: number]>;
  dailyConsumption: Array<[day: string, consumption: number]>;
  profile: Array<[start: number, consumption: number]>;
  /** The entry counts the logs keep beside their entries (they change in the same batch). */
  counts: { dailyReadLog: number; dailyConsumptionLog: number; profileDataLog: number };
}

export function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

export function emptyState(): HubState {
  return { devices: [], historic: [], latest: null, dailyReads: [], dailyConsumption: [], profile: [], counts: { dailyReadLog: 0, dailyConsumptionLog: 0, profileDataLog: 0 } };
}

/** A bounded log keeps its greatest keys (day keys sort by date). */
function putBounded<K extends string | number>(entries: Array<[K, number]>, items: Array<[K, number]>, capacity: number, keyOf: (key: K) => string = String): Array<[K, number]> {
  const byKey = new Map(entries.map(([k, v]) => [keyOf(k), [k, v] as [K, number]]));
  for (const [k, v] of items) byKey.set(keyOf(k), [k, v]);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(-capacity).map(([, entry]) => entry);
}

function profileDays(profile: Array<[number, number]>): string[] {
  return [...new Set(profile.map(([start]) => dayKey(start)))].sort();
}

function applyDeviceOp(state: HubState, op: Extract<HubOp, { op: 'add' | 'key' | 'remove' }>): void {
  const at = state.devices.findIndex((d) => d.eui64 === op.eui64);
  if (op.op === 'add') {
    if (at < 0) state.devices = [...state.devices, { eui64: op.eui64, deviceType: op.deviceType, installCode: op.installCode, key: null }].sort((a, b) => a.eui64.localeCompare(b.eui64));
    // A Device whose install code went with its link key takes the one a later add gives.
    else if (state.devices[at]!.installCode === null) state.devices[at]!.installCode = op.installCode;
    return;
  }
  if (at < 0) throw new Error(`the model has no ${op.eui64} to ${op.op}`);
  const device = state.devices[at]!;
  if (op.op === 'key') {
    device.key = op.key;
    // Retention: the install code is spent once a link key is established.
    device.installCode = null;
    // The key the Historic Device Log held moves back into the Device Log.
    state.historic = state.historic.filter((h) => !(h.eui64 === op.eui64 && h.key === op.key));
    return;
  }
  state.devices.splice(at, 1);
  if (device.key === null || !DEVICE_TYPES[device.deviceType].keptInHistoricLog) return;
  const held = state.historic.find((h) => h.eui64 === device.eui64);
  if (held) held.key = device.key; // updated in place: it keeps its age
  else state.historic = [...state.historic, { eui64: device.eui64, key: device.key }].slice(-HISTORIC_DEVICE_LOG_CAPACITY);
}

/** The state after `op` was acknowledged, as the hub's modules define it. */
export function applyOp(before: HubState, op: HubOp): HubState {
  const state: HubState = structuredClone(before);
  switch (op.op) {
    case 'add':
    case 'key':
    case 'remove':
      applyDeviceOp(state, op);
      break;
    case 'reading':
      if (!state.latest || state.latest.at <= op.at) state.latest = { at: op.at, consumption: op.consumption };
      break;
    case 'dailyRead':
      state.dailyReads = putBounded(state.dailyReads, [[op.day, op.consumption]], GPF_LOG_SIZES.dailyReadLog.entries);
      state.counts.dailyReadLog = state.dailyReads.length;
      break;
    case 'dailyConsumption':
      state.dailyConsumption = putBounded(state.dailyConsumption, op.entries, GPF_LOG_SIZES.dailyConsumptionLog.entries);
      state.counts.dailyConsumptionLog = state.dailyConsumption.length;
      break;
    case 'profile': {
      const merged = putBounded(state.profile, op.intervals, Number.MAX_SAFE_INTEGER, (start) => String(start).padStart(16, '0'));
      const kept = new Set(profileDays(merged).slice(-GPF_LOG_SIZES.profileDataLog.entries));
      state.profile = merged.filter(([start]) => kept.has(dayKey(start)));
      state.counts.profileDataLog = kept.size;
      break;
    }
  }
  return state;
}

/** The state a hub starts with: its first retention pass has dropped the install codes a link key spent. */
export function afterStart(before: HubState): HubState {
  const state: HubState = structuredClone(before);
  for (const device of state.devices) if (device.key !== null) device.installCode = null;
  return state;
}

/** The first difference between two states, or undefined when they are the same. */
export function stateDifference(expected: HubState, actual: HubState): string | undefined {
  for (const field of Object.keys(expected) as Array<keyof HubState>) {
    const [e, a] = [JSON.stringify(expected[field]), JSON.stringify(actual[field])];
    if (e !== a) return `${field}: expected ${e.slice(0, 600)}, found ${a.slice(0, 600)}`;
  }
  return undefined;
}
