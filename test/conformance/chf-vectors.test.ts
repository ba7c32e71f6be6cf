import { afterEach, expect, it } from 'vitest';
import { decodeMessage, messageCodeEntry } from '../../src/gbcs/index.js';
import { CHF_HANDLERS } from '../../src/chf/use-cases/index.js';
import { ALL_HANDLERS } from '../../src/hub/handlers.js';
import { describeRtds, rtdsPresent } from '../helpers/rtds.js';
import { CHF_STATES, LINK_KEYS, PLACEHOLDER_HASHES } from './chf-seeds.js';
import { commandPairs, ConformanceHub, expectAnswer, RTDS_IDENTITY, vectorNamed, withSeededHashes } from './harness.js';

/** The use cases this suite seeds; the Sub GHz ones (DBCH) have their own suite (dbch-vectors.test.ts). */
const handled = new Set(CHF_HANDLERS.map((handler) => handler.useCase));
const handledAnywhere = new Set(ALL_HANDLERS.filter((handler) => handler.device === 'CHF').map((handler) => handler.useCase));
const pairs = rtdsPresent ? commandPairs(RTDS_IDENTITY.chf) : [];

describeRtds('RTDS conformance: every CHF command answered as the RTDS answers it', () => {
  let harness: ConformanceHub | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('finds the CHF command vectors, each with its response', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(16);
    for (const { command, response } of pairs) expect(response, command.name).toBeDefined();
  });

  for (const { command, response } of pairs.filter((pair) => handled.has(pair.command.useCase))) {
    const key = `${command.useCase}_${command.outcome}`;
    it(`${command.name} → ${response!.name}`, async () => {
      const state = CHF_STATES[key];
      if (!state) throw new Error(`no seed for ${key} in chf-seeds.ts`);
      harness = await ConformanceHub.open({ seed: state.seed, ...(state.faults ? { faults: state.faults } : {}), ...(state.han ? { han: state.han } : {}) });
      const outcome = await harness.process(command.bytes);
      const expected = PLACEHOLDER_HASHES.has(key) ? await withSeededHashes(harness, response!, LINK_KEYS) : response!.bytes;
      expectAnswer(outcome, expected);
    });
  }

  for (const { command } of pairs.filter((pair) => !handledAnywhere.has(pair.command.useCase))) {
    it.todo(`${command.name}: no CHF handler for ${messageCodeEntry(decodeMessage(command.bytes).header.messageCode)?.useCase} yet`);
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
