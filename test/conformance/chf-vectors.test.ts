import { expect, it } from 'vitest';
import { describeRtds, rtdsPresent } from '../helpers/rtds.js';
import { CHF_STATES, LINK_KEYS } from './chf-seeds.js';
import { commandPairs, ConformanceHub, RTDS_IDENTITY, vectorNamed, withSeededHashes } from './harness.js';
import { runVector } from './vector-runner.js';

/**
 * Every RTDS command to the CHF, whatever `$RTDS_DIR` holds, one test per vector; the Sub GHz ones
 * (DBCH) have their own suite (dbch-vectors.test.ts), which needs the Sub GHz state.
 */
const pairs = rtdsPresent ? commandPairs(RTDS_IDENTITY.chf).filter(({ command }) => !command.useCase.startsWith('DBCH')) : [];

describeRtds('RTDS conformance: every CHF command answered as the RTDS answers it', () => {
  it('finds the CHF command vectors', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(10);
  });

  for (const { command, response } of pairs) {
    it(`${command.name} → ${response?.name ?? 'no RESPONSE'}`, () => runVector(command, response));
  }
});

describeRtds('RTDS conformance: CHF alerts', () => {
  it('raises CS14 as the RTDS has it when the GSME establishes its TC link key, carrying the hub counter that follows 3999', async () => {
    const keyed = CHF_STATES['CCS07_SUCCESS']!.seed;
    const harness = await ConformanceHub.open({
      seed: {
        ...keyed,
        historicDevices: [],
        devices: keyed.devices!.map((device) => (device.deviceType === 'GSME' ? { ...device, tcLinkKey: undefined } : device)),
        counters: { own: 3999 },
      },
    });
    try {
      await harness.hub.chf.deviceLog.recordLinkKey('00DB1234567890A1', Buffer.from(LINK_KEYS['00DB1234567890A1']!, 'hex'));
      await harness.hub.router.alerts.idle();
      const [alert, ...rest] = harness.looseAlerts;
      expect(rest).toEqual([]);
      expect(alert?.counter).toBe(4000n);
      const expected = await withSeededHashes(harness, vectorNamed('CS14_NA_8F12_ALERT_GBCS.HEX'), LINK_KEYS);
      expect(alert!.bytes.toString('hex')).toBe(expected.toString('hex'));
    } finally {
      await harness.close();
    }
  });
});
