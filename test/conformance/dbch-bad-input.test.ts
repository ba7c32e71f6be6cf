import { afterEach, expect, it } from 'vitest';
import type { ManualClock } from '../../hal/clock.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import { DBCH03, DBCH04 } from '../../src/gbcs/payload/dlms/chf.js';
import type { Store } from '../../src/store/index.js';
import { HUB_EVENTS } from '../../src/logs/event-codes.js';
import { SubGhzState } from '../../src/subghz/index.js';
import { describeRtds, loadVectors, rtdsPresent } from '../helpers/rtds.js';
import { TableRadio } from '../src/subghz/helpers.js';
import { buildCommand, commandPairs, ConformanceHub, RTDS_ACB, RTDS_IDENTITY, type HarnessOptions } from './harness.js';
import { expectEveryMutationRefused } from './vector-mutations.js';

/**
 * DBCH commands with bad input, through the hub: each gets its DLMS result (or is dropped when it
 * is not the use case's APDU at all), and neither the Sub GHz configuration nor anything else changes.
 */
let harness: ConformanceHub | undefined;
let subGhz: SubGhzState;
let counter = 0x3000n;

afterEach(async () => {
  await subGhz?.close();
  await harness?.close();
  harness = undefined;
});

async function openHub(): Promise<ConformanceHub> {
  return ConformanceHub.open({
    domains: [{ name: 'subGhzConfiguration' }, { name: 'subGhzChannelLog' }],
    extras: async (store: Store, clock: ManualClock) => {
      subGhz = await SubGhzState.open(store, { clock, radio: new TableRadio() });
      // Stored, so the snapshot would show a change to it.
      await subGhz.setConfiguration(subGhz.configuration());
      return { subGhz };
    },
  });
}

const rtdsSet = () => DBCH04.decodeCommand(decodeMessage(loadVectors().find((v) => v.name === 'DBCH04_6.28_SUCCESS_COMMAND_GBCS.HEX')!.bytes).payload);

async function set(change: (view: ReturnType<typeof rtdsSet>) => void) {
  const view = rtdsSet();
  change(view);
  counter += 1n;
  return harness!.process(await buildCommand(harness!, { messageCode: 0x010d, payload: DBCH04.encodeCommand(view), counter }));
}

function resultOf(outcome: Awaited<ReturnType<typeof set>>): number {
  if (outcome.kind !== 'answered') throw new Error(`expected an answer, got ${outcome.kind}`);
  return DBCH04.decodeResponse(decodeMessage(outcome.response).payload).results.configuration.result;
}

describeRtds('DBCH04 with bad values, through the hub', () => {
  it('out of range (other-reason) or of the wrong type (type-unmatched): answered, nothing changed, no DBCH09', async () => {
    harness = await openHub();
    const before = await harness.snapshot();
    const configuration = subGhz.configuration();
    const outcomes = [
      await set((v) => (v.parameters.configuration.settings[0]!.value = 9999)),
      await set((v) => (v.parameters.configuration.settings[1]!.type = 'double-long-unsigned')),
      await set((v) => v.parameters.configuration.channelMasks.reverse()),
    ];
    expect(outcomes.map(resultOf)).toEqual([250, 12, 250]);
    expect(outcomes.flatMap((outcome) => outcome.alerts)).toEqual([]);
    expect(subGhz.configuration()).toEqual(configuration);
    expect({ ...(await harness.snapshot()), counters: [] }).toEqual({ ...before, counters: [] });
  });

  it('a DBCH04 Message Code carrying another use case\'s APDU is dropped, nothing changed', async () => {
    harness = await openHub();
    const before = await harness.snapshot();
    counter += 1n;
    const read = DBCH03.encodeCommand({ invokeId: 0x20000001, parameters: { configuration: undefined } });
    const outcome = await harness.process(await buildCommand(harness, { messageCode: 0x010d, payload: read, counter }));
    expect(outcome.kind === 'dropped' && outcome.refusal.code).toBe('PAYLOAD_INVALID');
    expect({ ...(await harness.snapshot()), counters: [] }).toEqual({ ...before, counters: [] });
  });
});

describeRtds('DBCH02 and DBCH05 with a payload that is not theirs, authentic otherwise', () => {
  for (const [useCase, messageCode] of [['DBCH02', 0x010b], ['DBCH05', 0x010e]] as const) {
    it(`${useCase}: refused before its counter is taken, recorded in the Security Log, nothing changed`, async () => {
      harness = await openHub();
      const before = await harness.snapshot();
      const lastAccepted = harness.hub.counters.lastAccepted(RTDS_ACB);
      const read = DBCH03.encodeCommand({ invokeId: 0x20000001, parameters: { configuration: undefined } });
      counter += 1n;
      const outcome = await harness.process(await buildCommand(harness, { messageCode, payload: read, counter }));
      expect(outcome.kind === 'dropped' && outcome.refusal.code).toBe('PAYLOAD_INVALID');
      expect(harness.hub.counters.lastAccepted(RTDS_ACB)).toBe(lastAccepted);
      expect(await harness.securityLogCodes()).toEqual([HUB_EVENTS.commandIntegrityFailed.code]);
      expect(await harness.snapshot()).toEqual(before);
    });
  }
});

/** Every RTDS Sub GHz command to the CHF, whatever `$RTDS_DIR` holds, sent to a dual-band hub. */
const dbchCommands = rtdsPresent ? commandPairs(RTDS_IDENTITY.chf).filter(({ command }) => command.useCase.startsWith('DBCH')) : [];
const dualBand: HarnessOptions = {
  extras: async (store: Store, clock: ManualClock) => ({ subGhz: await SubGhzState.open(store, { clock, radio: new TableRadio() }) }),
};

describeRtds('every RTDS DBCH command, bit-flipped or cut short: refused, nothing changed, the counter not taken', () => {
  for (const { command } of dbchCommands) {
    it(command.name, () => expectEveryMutationRefused(command, dualBand));
  }
});
