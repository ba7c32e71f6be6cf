import { afterEach, expect, it } from 'vitest';
import type { NetworkInfo } from '../../../../hal/radio.js';
import { decodeMessage } from '../../../../src/gbcs/index.js';
import { CCS01, CCS03, type DeviceLogRestore } from '../../../../src/gbcs/payload/dlms/index.js';
import type { Outcome } from '../../../../src/hub/router.js';
import { CHF_STATES } from '../../../conformance/chf-seeds.js';
import { buildCommand, ConformanceHub, RTDS_IDENTITY, vectorNamed } from '../../../conformance/harness.js';
import { describeRtds } from '../../../helpers/rtds.js';
import { RadioDouble } from '../../han/admission-radio-double.js';

/** Commands built as the Access Control Broker would, run through the whole pipeline (the RTDS CCS03 pair is in chf-vectors.test.ts). */
const CCS03_CODE = 0x0003;
const ESME = '00DB1234567890A0';
const OTHER = '00DB1234567890B7';
const PAN = 'AABBCCDDEEFF0011';

let harness: ConformanceHub | undefined;
let radio: RadioDouble | undefined;
let formed: NetworkInfo[] = [];
afterEach(async () => {
  await harness?.close();
  harness = undefined;
  formed = [];
});

async function open(withRadio = true): Promise<ConformanceHub> {
  harness = await ConformanceHub.open({
    seed: CHF_STATES['CCS07_SUCCESS']!.seed,
    han: 'radio',
    extras: async (_store, clock) => {
      if (!withRadio) return {};
      radio = new RadioDouble(clock);
      radio.on('networkUp', (info) => formed.push(info));
      return { network: radio };
    },
  });
  return harness;
}

const backup = (devices: DeviceLogRestore['devices'], extendedPanId = Buffer.from(PAN, 'hex')): DeviceLogRestore => ({
  extendedPanId,
  devices,
});

const payloadOf = (value: DeviceLogRestore) => CCS03.encodeCommand({ invokeId: 9, parameters: { restorePan: value } });

let counter = 100n;
async function send(hub: ConformanceHub, payload: Buffer): Promise<Outcome> {
  return hub.process(await buildCommand(hub, { messageCode: CCS03_CODE, payload, counter: ++counter }));
}

function resultOf(outcome: Outcome): number {
  if (outcome.kind !== 'answered') throw new Error(`not answered: ${outcome.kind === 'dropped' ? outcome.refusal.message : outcome.kind}`);
  const message = decodeMessage(outcome.response);
  expect(message.header).toMatchObject({ cra: 'response', originator: RTDS_IDENTITY.chf, messageCode: CCS03_CODE });
  const response = CCS03.decodeResponse(message.payload);
  expect(response.invokeId).toBe(9);
  return response.results.restorePan.result;
}

describeRtds('CCS03 restores the CHF Device Log from another hub and forms the network', () => {
  it('replaces the log with the backup\'s Devices, types not yet known and no keys, then forms the HAN with the extended PAN id', async () => {
    const hub = await open();
    expect(hub.hub.chf.deviceLog.get(ESME)?.tcLinkKey).toBeDefined();
    const outcome = await send(hub, payloadOf(backup([
      { deviceId: ESME, hashedTcLinkKey: Buffer.alloc(16, 0x5a) },
      { deviceId: OTHER, hashedTcLinkKey: Buffer.alloc(0) },
    ])));
    expect(resultOf(outcome)).toBe(0);
    const entries = hub.hub.chf.deviceLog.list();
    expect(entries.map((e) => [e.eui64, e.deviceType, e.installCode, e.tcLinkKey])).toEqual([
      [ESME, 'Unknown', undefined, undefined],
      [OTHER, 'Unknown', undefined, undefined],
    ]);
    expect(formed.map((info) => info.extendedPanId)).toEqual([PAN]);
  });

  it('learns a restored Device\'s type, and takes its install code, at its next CCS01', async () => {
    const hub = await open();
    expect(resultOf(await send(hub, payloadOf(backup([{ deviceId: ESME, hashedTcLinkKey: Buffer.alloc(0) }]))))).toBe(0);
    const added = await hub.process(vectorNamed('CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX').bytes);
    expect(added.kind).toBe('answered');
    if (added.kind !== 'answered') return;
    expect(CCS01.decodeResponse(decodeMessage(added.response).payload).results.registerDevice.result).toBe(0);
    const entry = hub.hub.chf.deviceLog.get(ESME);
    expect(entry?.deviceType).toBe('ESME');
    expect(entry?.installCode?.length).toBe(18);
  });

  const refusedBackups: Array<[string, () => DeviceLogRestore]> = [
    ['a Device twice', () => backup([{ deviceId: OTHER, hashedTcLinkKey: Buffer.alloc(0) }, { deviceId: OTHER, hashedTcLinkKey: Buffer.alloc(0) }])],
    ['more Devices than the log holds', () => backup(Array.from({ length: 17 }, (_, i) => ({ deviceId: `00DB1234567891${i.toString(16).padStart(2, '0').toUpperCase()}`, hashedTcLinkKey: Buffer.alloc(0) })))],
    ['a hashed key of the wrong length', () => backup([{ deviceId: OTHER, hashedTcLinkKey: Buffer.alloc(5) }])],
    ['the CHF itself', () => backup([{ deviceId: RTDS_IDENTITY.chf, hashedTcLinkKey: Buffer.alloc(0) }])],
  ];
  for (const [what, make] of refusedBackups) {
    it(`answers "other reason" to a backup with ${what}, and changes nothing`, async () => {
      const hub = await open();
      const before = await hub.snapshot();
      const devicesBefore = hub.hub.chf.deviceLog.list();
      expect(resultOf(await send(hub, payloadOf(make())))).toBe(250);
      expect(hub.hub.chf.deviceLog.list()).toEqual(devicesBefore);
      expect({ ...(await hub.snapshot()), counters: [] }).toEqual({ ...before, counters: [] });
      expect(formed).toEqual([]);
    });
  }

  it('drops a malformed restore_PAN (cut short, or an extended PAN id not 8 bytes) and changes nothing', async () => {
    const hub = await open();
    const before = await hub.snapshot();
    const good = payloadOf(backup([{ deviceId: OTHER, hashedTcLinkKey: Buffer.alloc(0) }]));
    // The PAN id travels as octet-string (09) of length 8: say 7 and drop its last byte.
    const panAt = good.indexOf(Buffer.from(`0908${PAN}`, 'hex'));
    expect(panAt).toBeGreaterThan(0);
    const shortPan = Buffer.concat([good.subarray(0, panAt), Buffer.from('0907', 'hex'), good.subarray(panAt + 2, panAt + 9), good.subarray(panAt + 10)]);
    for (const payload of [good.subarray(0, good.length - 3), shortPan]) {
      const outcome = await send(hub, payload);
      expect(outcome.kind === 'dropped' && outcome.refusal.code).toBe('PAYLOAD_INVALID');
    }
    expect(await hub.snapshot()).toEqual(before);
    expect(formed).toEqual([]);
  });

  it('answers a hardware fault and keeps the log when the hub has no radio to form the network with', async () => {
    const hub = await open(false);
    const devicesBefore = hub.hub.chf.deviceLog.list();
    expect(resultOf(await send(hub, payloadOf(backup([{ deviceId: OTHER, hashedTcLinkKey: Buffer.alloc(0) }]))))).toBe(1);
    expect(hub.hub.chf.deviceLog.list()).toEqual(devicesBefore);
  });
});
