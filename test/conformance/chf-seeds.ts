import type { HubSeed, SeedLinkStatistics } from '../../src/hub/seed.js';

/**
 * The state each CHF vector implies, as data: what the Device Log, the link statistics, the logs
 * and the counters held when the RTDS command arrived. Keyed by `<use case>_<outcome>`.
 * The install codes are the RTDS CCS01 command's; link keys are arbitrary (see the CS14 notes).
 */
const NOW = '2015-01-01T00:00:00Z';
const INSTALL_CODE = '30313233343536373839414243444546';

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

export const CHF_SEEDS: Readonly<Record<string, HubSeed>> = {
  CCS06_SUCCESS: RTDS_HAN,
  CCS06_ERROR: RTDS_HAN,
};
