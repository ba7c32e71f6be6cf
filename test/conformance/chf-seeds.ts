import type { ManualClock } from '../../hal/clock.js';
import { BoundedLog } from '../../src/logs/bounded-log.js';
import { LOG_DOMAINS } from '../../src/logs/hub-logs.js';
import { CHF_LOG_SIZES } from '../../src/logs/sizes.js';
import type { GbcsHubOptions } from '../../src/hub/gbcs-hub.js';
import type { HubSeed, SeedEvent, SeedLinkStatistics } from '../../src/hub/seed.js';
import { jsonCodec, sequenceKey, type Store } from '../../src/store/index.js';
import { RadioDouble } from '../src/han/admission-radio-double.js';
import type { HarnessOptions } from './harness.js';

/**
 * The state each CHF vector implies, as data: what the Device Log, the link statistics, the logs
 * and the radio held when the RTDS command arrived. Keyed by `<use case>_<outcome>`. The install
 * code is the RTDS CCS01 command's; link keys are arbitrary, as the RTDS's hashes are
 * placeholders no key hashes to (test/src/chf/link-key-hash.test.ts).
 */
export type VectorState = HarnessOptions & { seed: HubSeed };

const NOW = '2015-01-01T00:00:00Z';
const INSTALL_CODE = '30313233343536373839414243444546';
export const LINK_KEYS: Readonly<Record<string, string>> = {
  '00DB1234567890A0': '000102030405060708090a0b0c0d0e0f',
  '00DB1234567890A1': '101112131415161718191a1b1c1d1e1f',
  '00DB1234567890A3': '202122232425262728292a2b2c2d2e2f',
  '00DB1234567890A4': '303132333435363738393a3b3c3d3e3f',
};

const ESME = { eui64: '00DB1234567890A0', deviceType: 'ESME', installCode: INSTALL_CODE };
const GSME = { eui64: '00DB1234567890A1', deviceType: 'GSME', installCode: INSTALL_CODE };

const link = (rssi: SeedLinkStatistics['rssi'], lqi: SeedLinkStatistics['lqi']): SeedLinkStatistics => ({
  status: 'c8',
  rssi,
  lqi,
  numberOfHops: 1,
  transmissionFailures: 0,
  transmissionSuccesses: 100,
  applicationVersion: 1,
  stackVersion: 1,
});

/** The live HAN of the RTDS: an ESME and a GSME, heard from ten and twenty minutes before midnight. */
const RTDS_HAN: HubSeed = {
  now: NOW,
  extendedPanId: '0001020304050607',
  devices: [
    { ...ESME, lastCommunication: '2014-12-31T23:50:00Z' },
    { ...GSME, lastCommunication: '2014-12-31T23:40:00Z' },
  ],
  linkStatistics: {
    '00DB1234567890A0': link([-35, -50, -100], [2, 39, 247]),
    '00DB1234567890A1': link([-34, -54, -77], [1, 96, 205]),
  },
};

/** Both meters keyed, and two Devices that left with their keys kept (CCS07's two logs). */
const KEYED_HAN: HubSeed = {
  now: NOW,
  extendedPanId: '0001020304050607',
  historicDevices: [
    { eui64: '00DB1234567890A3', deviceType: 'PPMID', tcLinkKey: LINK_KEYS['00DB1234567890A3']! },
    { eui64: '00DB1234567890A4', deviceType: 'PPMID', tcLinkKey: LINK_KEYS['00DB1234567890A4']! },
  ],
  devices: [
    { ...ESME, tcLinkKey: LINK_KEYS['00DB1234567890A0']! },
    { ...GSME, tcLinkKey: LINK_KEYS['00DB1234567890A1']! },
  ],
};

const at = (secondsSince2000: number): string => new Date(Date.UTC(2000, 0, 1) + secondsSince2000 * 1000).toISOString();

/** A day's events, as the RTDS ECS35c response lists them, with one before and one after the range asked for. */
const EVENT_CYCLE: ReadonlyArray<Omit<SeedEvent, 'at'>> = [
  { code: 0x8154, messageCode: 0x009b },
  { code: 0x8155, messageCode: 0x0090 },
  { code: 0x8f66 },
  { code: 0x8f67 },
];
const EVENT_TIMES = [
  473299200, 473301757, 473305188, 473307010, 473309078, 473312238, 473314216, 473316488, 473319556, 473321591, 473325068, 473327990, 473330962,
];
const EVENTS: SeedEvent[] = [
  { at: at(473299199), code: 0x8f66 },
  ...EVENT_TIMES.map((time, i) => ({ at: at(time), ...EVENT_CYCLE[i % EVENT_CYCLE.length]! })),
  { at: at(473331601), code: 0x8f67 },
];

/**
 * The CHF Security Log the RTDS ECS35d response reads: the Device Log changing, then security
 * events, among them tamper and other hardware events (0x8F3F, 0x8F75, 0x8F78) this hub has no
 * sensor for. The Security Log is the hub's own to write, so these are laid in its store as a hub
 * that had recorded them would have left them.
 */
const SECURITY_EVENTS: ReadonlyArray<[seconds: number, code: number]> = [
  [473299200, 0x8f12], [473301757, 0x8f1e], [473305188, 0x8f3e], [473307010, 0x8f3f], [473309078, 0x8f43], [473312238, 0x8f4c], [473314216, 0x8f4d],
  [473316488, 0x8f4e], [473319556, 0x8f4f], [473321591, 0x8f52], [473325068, 0x8f53], [473327990, 0x8f75], [473330962, 0x8f78],
];

async function recordedSecurityLog(store: Store): Promise<Partial<GbcsHubOptions>> {
  const log = await BoundedLog.open(store, { name: LOG_DOMAINS.security, codec: jsonCodec((value): value is object => typeof value === 'object' && value !== null) }, CHF_LOG_SIZES.securityLog);
  // One before the range the command reads and one after it.
  for (const [seconds, code] of [[473299199, 0x8f53] as const, ...SECURITY_EVENTS, [473331601, 0x8f53] as const]) {
    await log.append((sequence) => ({ key: sequenceKey(sequence), value: { sequence, at: Date.parse(at(seconds)), code, detail: {} } }));
  }
  return {};
}

/** A radio that forms the HAN a restore names (CCS03). */
const formingRadio = async (_store: Store, clock: ManualClock) => ({ network: new RadioDouble(clock) });

/** The identity the RTDS ECS26n/ECS26i responses report; ECS26i's model type has no trailing space. */
const IDENTITY = { manufacturerId: Buffer.from('ATGTypeY', 'latin1'), modelType: Buffer.from('CSW ', 'latin1') };
/** A hub whose configuration holds no manufacturer identifier: the first identity read fails. */
const NO_MANUFACTURER = { ...IDENTITY, manufacturerId: Buffer.alloc(0) };

export const CHF_STATES: Readonly<Record<string, VectorState>> = {
  CCS01_SUCCESS: { seed: { now: NOW }, han: 'radio' },
  CCS01_ERROR: { seed: { now: NOW }, han: 'failing-radio' },
  CCS02_SUCCESS: { seed: RTDS_HAN },
  CCS02_ERROR: { seed: RTDS_HAN, faults: ['deviceLog'] },
  CCS06_SUCCESS: { seed: RTDS_HAN },
  CCS06_ERROR: { seed: RTDS_HAN, faults: ['deviceLog'] },
  CCS07_SUCCESS: { seed: KEYED_HAN },
  CCS07_ERROR: { seed: KEYED_HAN, faults: ['deviceLog'] },
  ECS35c_SUCCESS: { seed: { now: '2015-01-01T12:00:00Z', events: EVENTS } },
  ECS35c_ERROR: { seed: { now: '2015-01-01T12:00:00Z' }, faults: ['eventLog'] },
  // The backup restored onto a hub with a radio to form the HAN; without one the restore is a hardware fault.
  CCS03_SUCCESS: { seed: { now: NOW }, extras: formingRadio },
  CCS03_ERROR: { seed: { now: NOW } },
  // Message code 0x0004 reads what CCS06 reads.
  CCS05CCS04_SUCCESS: { seed: RTDS_HAN },
  CCS05CCS04_ERROR: { seed: RTDS_HAN, faults: ['deviceLog'] },
  ECS35d_SUCCESS: { seed: { now: '2015-01-01T12:00:00Z' }, extras: recordedSecurityLog },
  ECS35d_ERROR: { seed: { now: '2015-01-01T12:00:00Z' }, faults: ['eventLog'] },
  ECS26n_SUCCESS: { seed: { now: NOW }, identity: IDENTITY },
  ECS26n_ERROR: { seed: { now: NOW }, identity: NO_MANUFACTURER },
  ECS26i_SUCCESS: { seed: { now: NOW }, identity: { ...IDENTITY, modelType: Buffer.from('CSW', 'latin1') } },
  ECS26i_ERROR: { seed: { now: NOW }, identity: NO_MANUFACTURER },
  // The Access Control Broker asks about its own cells: the hub trusts the RTDS keystore's parties.
  CS02aSignature_SUCCESS: { seed: { now: NOW } },
  // The WAN provider replaces its own certificate (the hub trusts the RTDS keystore's parties).
  CS02bWPByWP_SUCCESS: { seed: { now: NOW } },
};

/**
 * Vectors whose hashed TC link keys are RTDS placeholders: compared byte for byte with those
 * fields set to the hashes of the seeded keys (and the MAC the hub computes over that).
 */
export const PLACEHOLDER_HASHES: ReadonlySet<string> = new Set(['CCS07_SUCCESS']);
