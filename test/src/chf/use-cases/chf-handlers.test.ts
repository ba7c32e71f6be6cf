import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { ECS26N } from '../../../../src/chf/use-cases/ecs26n-read-identity.js';
import { ECS35d } from '../../../../src/gbcs/payload/dlms/index.js';
import { CS11 } from '../../../../src/chf/use-cases/cs11-clear-event-log.js';
import { provideCredentialsResponse, readDeviceJoinDetailsResponse } from '../../../../src/chf/use-cases/credential-shapes.js';
import { decodeMessage } from '../../../../src/gbcs/index.js';
import { decodeAsn1, decodeDer, encodeDer } from '../../../../src/gbcs/payload/asn1/index.js';
import { CCS01, CS14 } from '../../../../src/gbcs/payload/dlms/index.js';
import type { Outcome } from '../../../../src/hub/router.js';
import { HUB_EVENTS } from '../../../../src/logs/event-codes.js';
import { CHF_STATES } from '../../../conformance/chf-seeds.js';
import { BY_SUPPLIER, buildCommand, ConformanceHub, expectSignedResponse, RTDS_IDENTITY, RTDS_NETWORK_OPERATOR, vectorNamed } from '../../../conformance/harness.js';
import { describeRtds, RTDS_KEYSTORE } from '../../../helpers/rtds.js';

/** The CHF use cases the RTDS has no vector for, and CCS01's CS14, through the whole pipeline. */
let harness: ConformanceHub | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function answer(outcome: Outcome): { payload: Buffer; header: ReturnType<typeof decodeMessage>['header'] } {
  if (outcome.kind !== 'answered') throw new Error(`not answered: ${outcome.kind === 'dropped' ? outcome.refusal.message : outcome.kind}`);
  const message = decodeMessage(outcome.response);
  return { payload: message.payload, header: message.header };
}

let counter = 5000n;
const next = () => ++counter;

describeRtds('CHF use cases through the pipeline', () => {
  it('CCS01 adds the Device, opens its window and raises CS14 after the response, the log then holding the Device with no key', async () => {
    harness = await ConformanceHub.open({ seed: { now: '2015-01-01T00:00:00Z', counters: { own: 41 } }, han: 'radio' });
    const outcome = await harness.process(vectorNamed('CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX').bytes);
    answer(outcome);
    expect(outcome.alerts).toHaveLength(1);
    const alert = decodeMessage(outcome.alerts[0]!.bytes);
    expect(alert.header).toMatchObject({ cra: 'alert', originator: RTDS_IDENTITY.chf, originatorCounter: 42n, messageCode: 0x0018 });
    const body = CS14.decode(alert.payload);
    expect(body.alertCode).toBe(0x8f12);
    expect(body.body.devices).toEqual([{ deviceId: '00DB1234567890A0', hashedTcLinkKey: Buffer.alloc(0) }]);
    const entry = harness.hub.chf.deviceLog.get('00DB1234567890A0');
    // The bare 16-byte install code gained its CRC before it was logged.
    expect(entry?.installCode?.length).toBe(18);
    expect(harness.hub.chf.joinWindows).toBeDefined();
  });

  it('CCS01 for a Device already in the log keeps its key, answers success and raises no CS14', async () => {
    const seed = CHF_STATES['CCS07_SUCCESS']!.seed;
    harness = await ConformanceHub.open({ seed, han: 'radio' });
    const key = harness.hub.chf.deviceLog.get('00DB1234567890A0')!.tcLinkKey;
    const outcome = await harness.process(vectorNamed('CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX').bytes);
    expect(CCS01.decodeResponse(answer(outcome).payload).results.registerDevice.result).toBe(0);
    expect(outcome.alerts).toEqual([]);
    expect(harness.hub.chf.deviceLog.get('00DB1234567890A0')!.tcLinkKey).toEqual(key);
  });

  it('CCS02 moves a keyed Device to the Historic Device Log and raises CS14 without it', async () => {
    harness = await ConformanceHub.open({ seed: { ...CHF_STATES['CCS07_SUCCESS']!.seed, historicDevices: [] } });
    const outcome = await harness.process(vectorNamed('CCS02_8.11_SUCCESS_COMMAND_GBCS.HEX').bytes);
    answer(outcome);
    expect(harness.hub.chf.deviceLog.has('00DB1234567890A0')).toBe(false);
    expect(harness.hub.chf.deviceLog.historic.has('00DB1234567890A0')).toBe(true);
    const body = CS14.decode(decodeMessage(outcome.alerts[0]!.bytes).payload).body;
    expect(body.devices.map((device) => device.deviceId)).toEqual(['00DB1234567890A1']);
  });

  it('CS07 lists the Devices in the log with their GBCS Device Types', async () => {
    harness = await ConformanceHub.open({ seed: CHF_STATES['CCS06_SUCCESS']!.seed });
    const bytes = await buildCommand(harness, { messageCode: 0x0013, payload: Buffer.from('0500', 'hex'), counter: next() });
    const response = decodeAsn1(readDeviceJoinDetailsResponse, answer(await harness.process(bytes)).payload);
    expect(response).toEqual({
      responseCode: 0,
      devices: [
        { deviceId: Buffer.from('00DB1234567890A0', 'hex'), deviceType: 1 },
        { deviceId: Buffer.from('00DB1234567890A1', 'hex'), deviceType: 0 },
      ],
    });
  });

  it('CS11 clears the Event Log, records the clearing in the Security Log, and ECS35d then reads it', async () => {
    harness = await ConformanceHub.open({ seed: CHF_STATES['ECS35c_SUCCESS']!.seed });
    expect(harness.hub.chf.eventLog.count()).toBeGreaterThan(10);
    const clear = await buildCommand(harness, { messageCode: 0x0015, payload: CS11.encodeCommand({ invokeId: 7, parameters: { reset: { type: 'integer', value: 0 } } }), counter: next() });
    expect(CS11.decodeResponse(answer(await harness.process(clear)).payload).results.reset.result).toBe(0);
    expect(harness.hub.chf.eventLog.count()).toBe(0);
    const range = { restrictingObject: { classId: 8, logicalName: Buffer.from('0000010000ff', 'hex'), attributeIndex: 2, dataIndex: 0 }, from: 0, to: 0xffffffff, selectedValues: [] };
    const read = await buildCommand(harness, { messageCode: 0x0094, payload: ECS35d.encodeCommand({ invokeId: 8, parameters: { eventLog: range } }), counter: next() });
    const entries = ECS35d.decodeResponse(answer(await harness.process(read)).payload).results.eventLog.value;
    expect(entries?.map((entry) => entry.eventCode)).toEqual([HUB_EVENTS.eventLogCleared.code]);
  });

  it('ECS26n reports the hub\'s manufacturer identifier and model type', async () => {
    harness = await ConformanceHub.open();
    const bytes = await buildCommand(harness, { messageCode: 0x00fa, payload: ECS26N.encodeCommand({ invokeId: 3, parameters: { manufacturerId: undefined, modelType: undefined } }), counter: next() });
    const { results } = ECS26N.decodeResponse(answer(await harness.process(bytes)).payload);
    expect(results.manufacturerId.value).toEqual(RTDS_IDENTITY.manufacturerId);
    expect(results.modelType.value).toEqual(RTDS_IDENTITY.modelType);
  });

  it('CS02a reports each role asked for: the certificates held with subject and key ids, or not found', async () => {
    harness = await ConformanceHub.open({ trust: (c) => c.role !== 'supplier' || c.eui === '90B3D51F30010000' });
    // authorising cell (supplier, digital signature), roles required: supplier (2), root (0), recovery (1), ACB (4).
    const payload = Buffer.from('3017' + '300702010203020780' + '300c020102020100020101020104', 'hex');
    const bytes = await buildCommand(harness, { messageCode: 0x0008, payload, counter: next() });
    const details = decodeAsn1(provideCredentialsResponse, answer(await harness.process(bytes)).payload);
    // The RTDS keystore holds the recovery key's certificate (OU 01) but no root's (OU 00).
    expect(details.map((d) => [d.remotePartyRole, d.statusCode])).toEqual([[2, 0], [0, 25], [1, 0], [4, 0]]);
    expect(details[2]!.cells?.map((c) => c.subjectUniqueId.toString('hex'))).toEqual(['90b3d51f30000001']);
    const supplier = details[0]!;
    expect(supplier.currentSeqNumber).toBe(0);
    expect(supplier.cells?.map((c) => c.subjectUniqueId.toString('hex'))).toEqual(['90b3d51f30010000', '90b3d51f30010000']);
    for (const cell of supplier.cells ?? []) expect(cell.subjectKeyIdentifier.length).toBe(8);
  });
});

describeRtds('CS02b: Security Credentials updates', () => {
  const certificate = (name: string) => decodeDer(Buffer.from(readFileSync(join(RTDS_KEYSTORE, name), 'utf8').replace(/-----[^-]+-----|\s+/g, ''), 'base64'));
  /** supplierBySupplier: replace the supplier's Digital Signing cell with `name`, authorised with sequence number `seq`; `floors`: the control's [4]..[6]. */
  const update = (name: string, seq: number, floors = '') => {
    const int = (n: number) => Buffer.from([0x02, 0x01, n]);
    const seqOf = (...parts: Buffer[]) => Buffer.concat([Buffer.from([0x30, Buffer.concat(parts).length]), ...parts]);
    const cert = encodeDer(certificate(name));
    const cell = seqOf(int(2), Buffer.from('03020780', 'hex'));
    const replacement = Buffer.concat([Buffer.from([0x30, 0x82]), Buffer.from([(cert.length + cell.length) >> 8, (cert.length + cell.length) & 0xff]), cert, cell]);
    const replacements = Buffer.concat([Buffer.from([0x30, 0x82, replacement.length >> 8, replacement.length & 0xff]), replacement]);
    const body = Buffer.concat([seqOf(int(2), Buffer.from([0x83, 0x01, seq]), Buffer.from(floors, 'hex')), replacements, Buffer.from('3000', 'hex')]);
    return Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]), body]);
  };
  const onlyFirstSupplier = { trust: (c: { role?: string; eui: string }) => c.role !== 'supplier' || c.eui === '90B3D51F30010000' };

  it('replaces the supplier cell when the supplier signs, records it, and refuses the same sequence number again', async () => {
    // No certificate of the next supplier is held: the update brings its signing key, and the answers are signed, not MACed for it.
    harness = await ConformanceHub.open(onlyFirstSupplier);
    const payload = update('90b3d51f30030000-ds.pem', 5);
    const first = await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload, counter: next(), sign: true, ...BY_SUPPLIER }));
    const outcome = decodeDer(answer(first).payload);
    expect(encodeDer(outcome).toString('hex')).toContain('0a0100'); // status success
    expect(harness.hub.chf.credentials.forRole('supplier', 'digitalSigning').map((c) => c.eui)).toEqual(['90B3D51F30030000']);
    expect(harness.hub.chf.credentials.sequenceNumber('supplier')).toBe(5);
    expect(await harness.securityLogCodes()).toEqual([HUB_EVENTS.securityCredentialsUpdated.code]);
    const before = await harness.snapshot();
    // The old supplier's signing certificate is gone: the one it was replaced with signs now.
    const again = await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload, counter: next(), sign: true, originator: '90B3D51F30030000', remoteParty: null }));
    expect((await expectSignedResponse(again)).header.recipient).toBe('90B3D51F30030000');
    expect(encodeDer(decodeDer(answer(again).payload)).toString('hex')).toContain('0a017f'); // status other: stale sequence number
    const after = await harness.snapshot();
    expect(after.credentials).toEqual(before.credentials);
    expect(after.credentialSequence).toEqual(before.credentialSequence);
  });

  it('is refused unsigned, from a party of the wrong role, and signed by one party for another, with nothing changed', async () => {
    harness = await ConformanceHub.open(onlyFirstSupplier);
    const before = await harness.snapshot();
    const payload = update('90b3d51f30030000-ds.pem', 5);
    const unsigned = await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload, counter: next(), ...BY_SUPPLIER }));
    expect(unsigned.kind === 'dropped' && unsigned.refusal.code).toBe('SIGNATURE_MISSING');
    const wrongRole = await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload, counter: next(), sign: true, originator: RTDS_NETWORK_OPERATOR, remoteParty: null }));
    expect(wrongRole.kind === 'dropped' && wrongRole.refusal.code).toBe('ROLE_NOT_ALLOWED');
    // Signed by the ACB but claiming to act for the supplier: the signature is not the supplier's.
    const notTheSigner = await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload, counter: next(), sign: true }));
    expect(notTheSigner.kind === 'dropped' && notTheSigner.refusal.code).toBe('ROLE_NOT_ALLOWED');
    expect(await harness.snapshot()).toEqual(before);
  });

  it('sets the floors the command names, its own ([4], [5]) and others\' ([6]), and reports them as the execution record\'s seq number changes', async () => {
    harness = await ConformanceHub.open(onlyFirstSupplier);
    // [4] own floor 0, [5] prepayment top-up floor 0, [6] network operator (3) floor 7: as the RTDS commands carry them.
    const floors = '840100' + 'a508' + '3006020100020100' + 'a608' + '3006020103020107';
    const refused = await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload: update('90b3d51f30020000-ds.pem', 4, floors), counter: next(), sign: true, ...BY_SUPPLIER }));
    // Nothing replaced, so no floor set and none reported: authorising seq number 4, mode 2, no changes.
    expect(answer(refused).payload.toString('hex')).toMatch(/^30[0-9a-f]{2}05003[0-9a-f]{3}020104020102300030/);
    expect([harness.hub.chf.credentials.sequenceNumber('supplier'), harness.hub.chf.credentials.sequenceNumber('networkOperator')]).toEqual([0, 0]);

    const done = await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload: update('90b3d51f30030000-ds.pem', 5, floors), counter: next(), sign: true, ...BY_SUPPLIER }));
    const changes = '301a' + '3010020102020100' + '30083006020100020100' + '3006020103020107';
    expect(answer(done).payload.toString('hex')).toContain('020105020102' + changes + '30');
    // The supplier whose key was replaced starts again from its new floor; the network operator's rises to 7.
    expect([harness.hub.chf.credentials.sequenceNumber('supplier'), harness.hub.chf.credentials.sequenceNumber('networkOperator')]).toEqual([0, 7]);
  });

  it('refuses a control whose specialist floors come without the floor they belong to, changing nothing', async () => {
    harness = await ConformanceHub.open(onlyFirstSupplier);
    const before = await harness.snapshot();
    const outcome = await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload: update('90b3d51f30030000-ds.pem', 5, 'a5083006020100020100'), counter: next(), sign: true, ...BY_SUPPLIER }));
    expect(outcome.kind === 'dropped' ? outcome.refusal.message : outcome.kind).toMatch(/specialist floor seq number.*without the new floor/);
    expect((await harness.snapshot()).credentials).toEqual(before.credentials);
  });

  it('answers a certificate of another role for the supplier cell as a bad certificate, replacing nothing', async () => {
    harness = await ConformanceHub.open(onlyFirstSupplier);
    const outcome = await harness.process(await buildCommand(harness, { messageCode: 0x0102, payload: update('90b3d51f30020000-ds.pem', 9), counter: next(), sign: true, ...BY_SUPPLIER }));
    expect(encodeDer(decodeDer(answer(outcome).payload)).toString('hex')).toContain('0a0105');
    expect(harness.hub.chf.credentials.forRole('supplier', 'digitalSigning').map((c) => c.eui)).toEqual(['90B3D51F30010000']);
  });
});
