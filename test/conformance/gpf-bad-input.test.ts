import { afterEach, expect, it } from 'vitest';
import type { ManualClock } from '../../hal/clock.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import { decodeGbz, encodeGbz, type GbzComponent, type GbzPayload } from '../../src/gbcs/payload/gbz/index.js';
import { decodeAsn1, encodeAsn1 } from '../../src/gbcs/payload/asn1/views.js';
import { GasProxyData, GpfDeviceLog } from '../../src/gpf/index.js';
import { HUB_EVENTS } from '../../src/logs/event-codes.js';
import { restoreCommand, restoreResponse } from '../../src/gpf/use-cases/gcs59-restore-gpf-device-log.js';
import type { Outcome } from '../../src/hub/router.js';
import type { Store } from '../../src/store/index.js';
import { describeRtds, rtdsPresent } from '../helpers/rtds.js';
import { buildCommand, commandPairs, ConformanceHub, RTDS_ACB, RTDS_IDENTITY } from './harness.js';
import { expectEveryMutationRefused } from './vector-mutations.js';

/**
 * GPF commands that are malformed or carry values out of range: each gets the error response GBCS
 * gives it (a ZCL default response with the status, or for a restore each entry's outcome), or is
 * dropped when no response can be built; and the GPF's state is as it was.
 */
const GPF_DOMAINS = [
  { name: 'gpfRegisters', personal: true },
  { name: 'gpfSettings', personal: true },
  { name: 'gpfDailyConsumptionLog', personal: true },
  { name: 'gpfDeviceLog' },
];

let harness: ConformanceHub | undefined;
let gpf: { data: GasProxyData; deviceLog: GpfDeviceLog };
let counter = 0x1000n;

async function openHub(withReading = true): Promise<ConformanceHub> {
  return ConformanceHub.open({
    domains: GPF_DOMAINS,
    extras: async (store: Store, clock: ManualClock) => {
      gpf = { data: await GasProxyData.open(store), deviceLog: await GpfDeviceLog.open(store) };
      if (withReading) await gpf.data.recordReading({ at: clock.now(), consumption: 1, blockCounters: [], touRegisters: [] });
      await gpf.data.recordDailyConsumption([{ day: '2014-12-31', consumption: 2 }]);
      return { gpf };
    },
  });
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function component(clusterId: number, frameControl: number, commandId: number, body: GbzComponent['body']): GbzComponent {
  return { control: 0x01, clusterId, zcl: { frameControl, sequence: 7, commandId }, body };
}

const gbz = (...components: GbzComponent[]) => encodeGbz({ gbz: 'components', profileId: 0x0109, components });

async function send(messageCode: number, payload: Buffer, remoteParty: string | null = '90B3D51F30010000'): Promise<Outcome> {
  counter += 1n;
  return harness!.process(await buildCommand(harness!, { messageCode, payload, counter, recipient: RTDS_IDENTITY.gpf, remoteParty }));
}

/** The one component of an answer that is a plain default response. */
function defaultResponseOf(outcome: Outcome): { sequence: number; commandId: number; status: number } {
  if (outcome.kind !== 'answered') throw new Error(`expected an answer, got ${outcome.kind}`);
  const payload = decodeGbz(decodeMessage(outcome.response).payload, { alert: false }) as Extract<GbzPayload, { gbz: 'components' }>;
  const [only] = payload.components;
  if (payload.components.length !== 1 || only?.body.kind !== 'default-response') throw new Error('expected one default response');
  return { sequence: only.zcl.sequence, commandId: only.body.commandId, status: only.body.status };
}

async function unchanged(run: () => Promise<void>): Promise<void> {
  const before = await harness!.snapshot();
  await run();
  const after = await harness!.snapshot();
  // The counter of each accepted command moves on; everything else stays.
  expect({ ...after, counters: [] }).toEqual({ ...before, counters: [] });
}

const PUBLISH_COT = (implementationDateTime: number) =>
  component(0x0708, 0x09, 0x00, {
    kind: 'command',
    name: 'Publish Change of Tenancy',
    fields: { providerId: 0, issuerEventId: 1, tariffType: 0, implementationDateTime, proposedTenancyChangeControl: 0x200 },
  });
const GET_SAMPLED_DATA = (earliestSampleTime: number, numberOfSamples: number) =>
  component(0x0702, 0x01, 0x08, { kind: 'command', name: 'Get Sampled Data', fields: { sampleId: 1, earliestSampleTime, sampleType: 0, numberOfSamples } });
const READ = (...ids: number[]) => component(0x0702, 0x00, 0x00, { kind: 'read-attributes', attributeIds: ids });

describeRtds('GPF commands with bad input get their error response and change nothing', () => {
  it('GCS09 with an unknown implementation time: INVALID_VALUE; not a Publish Change of Tenancy: MALFORMED_COMMAND', async () => {
    harness = await openHub();
    await unchanged(async () => {
      expect(defaultResponseOf(await send(0x0072, gbz(PUBLISH_COT(0xffffffff))))).toEqual({ sequence: 7, commandId: 0x00, status: 0x87 });
      expect(defaultResponseOf(await send(0x0072, gbz(component(0x0708, 0x00, 0x00, { kind: 'read-attributes', attributeIds: [0] })))).status).toBe(0x80);
      expect(defaultResponseOf(await send(0x0072, gbz({ ...PUBLISH_COT(1), control: 0x00 }, PUBLISH_COT(2)))).status).toBe(0x80);
    });
    expect(await gpf.data.changeOfTenancy()).toBeUndefined();
  });

  it('GCS09 from the network operator is refused before it runs (only suppliers may set it)', async () => {
    harness = await openHub();
    await unchanged(async () => {
      const outcome = await send(0x0072, gbz(PUBLISH_COT(1)), '90B3D51F30020000');
      expect(outcome.kind === 'dropped' && outcome.refusal.code).toBe('ROLE_NOT_ALLOWED');
    });
  });

  it('GCS13a that is not one Metering read: MALFORMED_COMMAND; with no reading held: NOT_FOUND', async () => {
    harness = await openHub(false);
    await unchanged(async () => {
      expect(defaultResponseOf(await send(0x0074, gbz(GET_SAMPLED_DATA(0, 1)))).status).toBe(0x80);
      expect(defaultResponseOf(await send(0x0074, gbz(component(0x0700, 0x00, 0x00, { kind: 'read-attributes', attributeIds: [0] })))).status).toBe(0x80);
      expect(defaultResponseOf(await send(0x0074, gbz(READ(0x0000))))).toEqual({ sequence: 7, commandId: 0x00, status: 0x8b });
    });
  });

  it('GCS61 that is not Get Sampled Data: MALFORMED_COMMAND; a start time no day has, or zero samples: NOT_FOUND', async () => {
    harness = await openHub();
    await unchanged(async () => {
      expect(defaultResponseOf(await send(0x00a0, gbz(READ(0x0000)))).status).toBe(0x80);
      expect(defaultResponseOf(await send(0x00a0, gbz(GET_SAMPLED_DATA(0xffffffff, 5)))).status).toBe(0x8b);
      expect(defaultResponseOf(await send(0x00a0, gbz(GET_SAMPLED_DATA(0, 0)))).status).toBe(0x8b);
    });
  });

  it('a payload that is not GBZ at all is dropped before any handler runs', async () => {
    harness = await openHub();
    await unchanged(async () => {
      const outcome = await send(0x0074, Buffer.from('0109ff', 'hex'));
      expect(outcome.kind === 'dropped' && outcome.refusal.code).toBe('PAYLOAD_INVALID');
    });
  });

  it('GCS59: a structure that is not a restore command is dropped; entries the GPF cannot take get their outcome and are not written', async () => {
    harness = await openHub();
    const before = await harness.snapshot();
    const lastAccepted = harness.hub.counters.lastAccepted(RTDS_ACB);
    const outcome = await send(0x008c, Buffer.from('3003020101', 'hex'), null);
    // Refused as malformed before its counter is taken, and recorded as an attack.
    expect(outcome.kind === 'dropped' && outcome.refusal.code).toBe('PAYLOAD_INVALID');
    expect(harness.hub.counters.lastAccepted(RTDS_ACB)).toBe(lastAccepted);
    expect(await harness.securityLogCodes()).toEqual([HUB_EVENTS.commandIntegrityFailed.code]);
    expect(await harness.snapshot()).toEqual(before);
    for (let i = 0; i < 16; i++) await gpf.deviceLog.add({ eui64: `00DB1234567891${i.toString(16).padStart(2, '0').toUpperCase()}`, deviceType: 'PPMID' });
    await unchanged(async () => {
      const payload = encodeAsn1(restoreCommand, {
        entries: [
          { deviceId: '00DB1234567890A0', deviceType: 1 },
          { deviceId: '00DB123456789100', deviceType: 6 },
          { deviceId: '00DB123456789200', deviceType: 0 },
        ],
      });
      counter += 1n;
      const outcome = await harness!.process(await buildCommand(harness!, { messageCode: 0x008c, payload, counter, recipient: RTDS_IDENTITY.gpf, originator: RTDS_ACB, remoteParty: null }));
      if (outcome.kind !== 'answered') throw new Error(outcome.kind);
      const answer = decodeAsn1(restoreResponse, decodeMessage(outcome.response).payload);
      // ESME: not a GPF Device (2); a PPMID held as another type (3); no room (4).
      expect(answer.outcomes.map((o) => o.joinResponseCode)).toEqual([2, 3, 4]);
      expect(outcome.alerts).toEqual([]);
    });
  });
});

/** Every RTDS command to the GPF, whatever `$RTDS_DIR` holds. */
const gpfCommands = rtdsPresent ? commandPairs(RTDS_IDENTITY.gpf) : [];

describeRtds('every RTDS command to the GPF, bit-flipped or cut short: refused, nothing changed, the counter not taken', () => {
  for (const { command } of gpfCommands) {
    it(command.name, () => expectEveryMutationRefused(command));
  }
});
