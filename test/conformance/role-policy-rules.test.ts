import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Eui64 } from '../../hal/radio.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import { ASN1_TAG, decodeDer, encodeDer, primitive, sequenceNode } from '../../src/gbcs/payload/asn1/der.js';
import { CCS01, CCS02, CCS03 } from '../../src/gbcs/payload/dlms/index.js';
import type { Outcome } from '../../src/hub/router.js';
import { GasProxyData, GpfDeviceLog } from '../../src/gpf/index.js';
import type { HubSeed } from '../../src/hub/seed.js';
import { HUB_EVENTS } from '../../src/logs/event-codes.js';
import type { Store } from '../../src/store/index.js';
import { describeRtds, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { buildCommand, ConformanceHub, RTDS_NETWORK_OPERATOR, vectorNamed } from './harness.js';

/**
 * The role policy's rules beyond the table (src/security/role-policy.ts), each allowed and
 * refused through the whole GBCS pipeline with RTDS-keyed commands: the Access Control Broker
 * MACs them for the party named as supplementary remote party, or the party signs its own
 * critical command. A refusal is dropped as ROLE_NOT_ALLOWED, recorded in the Security Log as
 * "source does not have authority", and leaves every state domain, the counters included, as
 * it was. The RTDS's two suppliers play the electricity and the gas supplier.
 */
const ELECTRICITY: Eui64 = '90B3D51F30010000';
const GAS: Eui64 = '90B3D51F30030000';
const OTHER_USER: Eui64 = '90B3D51F30010008';
const ESME: Eui64 = '00DB1234567890A0';
const GSME: Eui64 = '00DB1234567890A1';
const GPF: Eui64 = '00DB1234567890A3';
const CAD: Eui64 = '00DB1234567890B6';
const INSTALL_CODE = '30313233343536373839414243444546';

/** An ESME, a GSME, the GPF and a consumer access device (Type 2), electricity and gas supplied by different suppliers. */
const SPLIT_SUPPLY: HubSeed = {
  now: '2015-01-01T00:00:00Z',
  supply: { electricity: ELECTRICITY, gas: GAS },
  devices: [
    { eui64: ESME, deviceType: 'ESME', installCode: INSTALL_CODE },
    { eui64: GSME, deviceType: 'GSME', installCode: INSTALL_CODE },
    { eui64: GPF, deviceType: 'GPF' },
    { eui64: CAD, deviceType: 'Type2', installCode: INSTALL_CODE },
  ],
};

let harness: ConformanceHub | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

let counter = 9000n;

const toGpf = (party: Eui64, messageCode: number, payload: Buffer) => buildCommand(harness!, { messageCode, payload, counter: ++counter, remoteParty: party, recipient: GPF });

const remove = (eui64: Eui64) => CCS02.encodeCommand({ invokeId: 5, parameters: { unregisterDevice: eui64 } });

/** The RTDS CCS01 for another Device and GBCS DeviceType code. */
function add(eui64: Eui64, deviceTypeCode: number): Buffer {
  const rtds = CCS01.decodeCommand(decodeMessage(vectorNamed('CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX').bytes).payload);
  const registration = { ...rtds.parameters.registerDevice!, deviceId: eui64, deviceType: deviceTypeCode };
  return CCS01.encodeCommand({ ...rtds, parameters: { ...rtds.parameters, registerDevice: registration } });
}

function restoreFromAnotherHub(): Buffer {
  const devices = [{ deviceId: ESME, hashedTcLinkKey: Buffer.alloc(0) }];
  return CCS03.encodeCommand({ invokeId: 3, parameters: { restorePan: { extendedPanId: Buffer.from('0011223344556677', 'hex'), devices } } });
}

/** CS02b supplierBySupplier: the supplier Digital Signing cell given the certificate in `pem`. */
function replaceSupplierSigningCell(pem: string, sequenceNumber: number): Buffer {
  const integer = (n: number) => primitive(ASN1_TAG.integer, Buffer.of(n));
  const certificate = decodeDer(Buffer.from(readFileSync(join(RTDS_KEYSTORE, pem), 'utf8').replace(/-----[^-]+-----|\s+/g, ''), 'base64'));
  const cell = sequenceNode([integer(2), primitive(0x03, Buffer.from('0780', 'hex'))]);
  // The seq number is the control's [3].
  const control = sequenceNode([integer(2), { ...integer(sequenceNumber), tagClass: 2, tag: 3 }]);
  return encodeDer(sequenceNode([control, sequenceNode([sequenceNode([certificate, cell])]), sequenceNode([])]));
}

/** A non-critical command MACed by the ACB for `party`. */
async function send(party: Eui64, messageCode: number, payload: Buffer): Promise<Outcome> {
  return harness!.process(await buildCommand(harness!, { messageCode, payload, counter: ++counter, remoteParty: party }));
}

const CCS01_CODE = 0x0001;
const CCS02_CODE = 0x0002;
const CCS03_CODE = 0x0003;

function expectAnswered(outcome: Outcome): void {
  if (outcome.kind !== 'answered') throw new Error(`not answered: ${outcome.kind === 'dropped' ? `${outcome.refusal.code} ${outcome.refusal.message}` : outcome.kind}`);
}

/** Refused by the rule named, recorded, and nothing changed: not the Device Log, not the counters, not the anchors. */
async function expectRefused(run: () => Promise<Outcome>, rule: string): Promise<void> {
  const before = await harness!.snapshot();
  const logged = (await harness!.securityLogCodes()).length;
  const outcome = await run();
  expect(outcome.kind === 'dropped' && { code: outcome.refusal.code, message: outcome.refusal.message }).toEqual({
    code: 'ROLE_NOT_ALLOWED',
    message: expect.stringContaining(`(rule: ${rule})`),
  });
  expect(await harness!.snapshot()).toEqual(before);
  const codes = await harness!.securityLogCodes();
  expect(codes).toHaveLength(logged + 1);
  expect(codes[0]).toBe(HUB_EVENTS.sourceLacksAuthority.code);
}

const holds = (eui64: Eui64) => harness!.hub.chf.deviceLog.has(eui64);

describeRtds('role policy rules through the GBCS pipeline', () => {
  it('at split supply the electricity supplier alone cannot remove the gas meter; the gas supplier can', async () => {
    harness = await ConformanceHub.open({ seed: SPLIT_SUPPLY });
    await expectRefused(() => send(ELECTRICITY, CCS02_CODE, remove(GSME)), 'device-type');
    expect(holds(GSME)).toBe(true);
    expectAnswered(await send(GAS, CCS02_CODE, remove(GSME)));
    expect(holds(GSME)).toBe(false);
  });

  it('at split supply each meter is its own supplier\'s to add and remove', async () => {
    harness = await ConformanceHub.open({ seed: SPLIT_SUPPLY });
    await expectRefused(() => send(GAS, CCS02_CODE, remove(ESME)), 'device-type');
    await expectRefused(() => send(ELECTRICITY, CCS01_CODE, add('00DB1234567890C1', 0)), 'device-type');
    expectAnswered(await send(ELECTRICITY, CCS02_CODE, remove(ESME)));
    expect(holds(ESME)).toBe(false);
    expectAnswered(await send(GAS, CCS01_CODE, add('00DB1234567890C1', 0)));
    expect(harness.hub.chf.deviceLog.get('00DB1234567890C1')?.deviceType).toBe('GSME');
  });

  it('only the lead supplier removes the GPF, and at split supply only once the gas supplier has removed its meter', async () => {
    harness = await ConformanceHub.open({ seed: SPLIT_SUPPLY });
    await expectRefused(() => send(GAS, CCS02_CODE, remove(GPF)), 'decommission');
    await expectRefused(() => send(ELECTRICITY, CCS02_CODE, remove(GPF)), 'gas-minimum');
    await expectRefused(() => send(OTHER_USER, CCS02_CODE, remove(GPF)), 'decommission');
    expectAnswered(await send(GAS, CCS02_CODE, remove(GSME)));
    expectAnswered(await send(ELECTRICITY, CCS02_CODE, remove(GPF)));
    expect(holds(GPF)).toBe(false);
  });

  it('checks again at execution: a GSME added by the command before keeps the GPF', async () => {
    harness = await ConformanceHub.open({ seed: { ...SPLIT_SUPPLY, devices: SPLIT_SUPPLY.devices!.filter((d) => d.eui64 !== GSME) } });
    const adding = harness.process(await buildCommand(harness, { messageCode: CCS01_CODE, payload: add(GSME, 0), counter: ++counter, remoteParty: GAS }));
    const removing = harness.process(await buildCommand(harness, { messageCode: CCS02_CODE, payload: remove(GPF), counter: ++counter, remoteParty: ELECTRICITY }));
    expectAnswered(await adding);
    const outcome = await removing;
    expect(outcome.kind === 'dropped' && outcome.refusal.message).toMatch(/rule: gas-minimum/);
    expect(holds(GPF)).toBe(true);
    expect((await harness.securityLogCodes())[0]).toBe(HUB_EVENTS.sourceLacksAuthority.code);
  });

  it('only the lead supplier replaces the CHF Device Log with another hub\'s (CCS03)', async () => {
    harness = await ConformanceHub.open({ seed: SPLIT_SUPPLY });
    await expectRefused(() => send(GAS, CCS03_CODE, restoreFromAnotherHub()), 'decommission');
    // This hub has no radio to form the network with: answered with a hardware fault, but answered.
    expectAnswered(await send(ELECTRICITY, CCS03_CODE, restoreFromAnotherHub()));
  });

  it('other users add and remove Type 2 Devices only', async () => {
    harness = await ConformanceHub.open({ seed: SPLIT_SUPPLY });
    await expectRefused(() => send(OTHER_USER, CCS01_CODE, add('00DB1234567890C2', 1)), 'device-type');
    await expectRefused(() => send(OTHER_USER, CCS02_CODE, remove(ESME)), 'device-type');
    // A Device the log does not hold cannot be shown to be Type 2.
    await expectRefused(() => send(OTHER_USER, CCS02_CODE, remove('00DB1234567890C3')), 'device-type');
    expectAnswered(await send(OTHER_USER, CCS01_CODE, add('00DB1234567890C2', 6)));
    expect(harness.hub.chf.deviceLog.get('00DB1234567890C2')?.deviceType).toBe('Type2');
    expectAnswered(await send(OTHER_USER, CCS02_CODE, remove(CAD)));
    expect(holds(CAD)).toBe(false);
  });

  it('at split supply a supplier command to the GPF is the gas supplier\'s', async () => {
    const gpf = async (store: Store) => ({ gpf: { deviceLog: await GpfDeviceLog.open(store), data: await GasProxyData.open(store) } });
    harness = await ConformanceHub.open({ seed: SPLIT_SUPPLY, extras: gpf });
    const read = decodeMessage(vectorNamed('GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_COMMAND_GBCS.HEX').bytes).payload;
    await expectRefused(async () => harness!.process(await toGpf(ELECTRICITY, 0x0074, read)), 'device-supplier');
    expectAnswered(await harness.process(await toGpf(GAS, 0x0074, read)));
    expectAnswered(await harness.process(await toGpf(RTDS_NETWORK_OPERATOR, 0x0074, read)));
  });

  it('at split supply a supplier replaces credentials only on its own Device, and the anchor moves with the certificate', async () => {
    harness = await ConformanceHub.open({ seed: SPLIT_SUPPLY });
    const update = replaceSupplierSigningCell('90b3d51f30030000-ds.pem', 3);
    const signed = (by: Eui64) => buildCommand(harness!, { messageCode: 0x0102, payload: update, counter: ++counter, sign: true, originator: by, remoteParty: null });
    await expectRefused(async () => harness!.process(await signed(GAS)), 'device-supplier');
    expectAnswered(await harness.process(await signed(ELECTRICITY)));
    // The electricity supplier's signing cell went; the gas supplier now holds both anchors: single supply again.
    expect(harness.hub.chf.credentials.forRole('supplier', 'digitalSigning').map((c) => c.eui)).toEqual([GAS]);
    expect(harness.hub.chf.supply?.current()).toEqual({ electricity: GAS, gas: GAS });
  });
});
