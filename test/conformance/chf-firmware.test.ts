import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { cs06AlertPayload, raiseCs06Alert } from '../../src/chf/use-cases/cs06-activate-firmware.js';
import { ECS52 } from '../../src/chf/use-cases/ecs52-read-firmware-version.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import { activateFirmwareCommand, encodeAsn1 } from '../../src/gbcs/payload/asn1/views.js';
import { CANCEL_ACTIVATION_AT, FirmwareImages, HubSlots, manufacturerImageHash, parseUpgradeImage, signUpgradeImage, verifyUpgradeImage } from '../../src/firmware/index.js';
import { OwnImage } from '../../src/firmware/own-image.js';
import { DeviceModels, encodeDeviceModelFrame } from '../../src/firmware/device-models.js';
import { HUB_EVENTS } from '../../src/logs/event-codes.js';
import { openHubLogs } from '../../src/logs/hub-logs.js';
import { describeRtds, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { BY_SUPPLIER, buildCommand, ConformanceHub, expectSignedResponse, RTDS_IDENTITY, RTDS_SUPPLIER, rtdsKeystore, vectorNamed } from './harness.js';

/**
 * CS06 and ECS52 addressed to the CHF: the hub activates and reports its own image. The RTDS has
 * these use cases addressed to the ESME (the hub relays them: relay-esme.test.ts); the CHF answers
 * in the same payloads, so each response payload and the future-dated alert's payload are compared
 * byte for byte with the RTDS ones, for an image whose version is the one the vector reports.
 */
const HUB_TARGET = { manufacturerCode: 0x121d, imageType: 0x0100, hardwareVersion: 0x1111 };
const CS06_CODE = 0x0012;
const ECS52_CODE = 0x0059;

const payloadOf = (name: string) => decodeMessage(vectorNamed(name).bytes).payload.toString('hex');

describeRtds("RTDS conformance: CS06 and ECS52 for the hub's own image", () => {
  let images: Record<'factory' | 'next', Buffer>;
  beforeAll(async () => {
    const key = createPrivateKey(readFileSync(join(RTDS_KEYSTORE, '90b3d51f30010000-ds.key'), 'utf8'));
    const build = (fileVersion: number) =>
      signUpgradeImage(
        { ...HUB_TARGET, fileVersion, stackVersion: 2, headerString: Buffer.alloc(32), hardwareVersions: { min: 0x1000, max: 0x1fff }, manufacturerImage: Buffer.alloc(600, fileVersion & 0xff) },
        (data) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }),
      );
    // The RTDS responses report 0x0123ABCE after a success and 0x0123ABCF as running after a refusal and at the alerts.
    images = { factory: await build(0x0123abcf), next: await build(0x0123abce) };
  });

  let harness: ConformanceHub | undefined;
  let own: OwnImage;
  let slotsRoot: string;
  let restarts: string[];
  afterEach(async () => {
    own?.stop();
    await harness?.close();
    harness = undefined;
    rmSync(slotsRoot, { recursive: true, force: true });
  });

  const hashOf = (image: Buffer) => manufacturerImageHash(parseUpgradeImage(image, { signature: 'required' }));

  let models: DeviceModels | undefined;
  async function open(options: { hold?: Array<keyof typeof images>; slots?: boolean; models?: boolean } = {}): Promise<ConformanceHub> {
    const { trustStore } = await rtdsKeystore();
    slotsRoot = mkdtempSync(join(tmpdir(), 'hub-own-slots-'));
    restarts = [];
    harness = await ConformanceHub.open({
      extras: async (store, clock) => {
        const held = await FirmwareImages.open(store, { clock });
        for (const name of options.hold ?? ['next']) await held.add(images[name], { credentials: trustStore, target: HUB_TARGET });
        const slots = new HubSlots(join(slotsRoot, 'slots'), (image) => void verifyUpgradeImage(parseUpgradeImage(image, { signature: 'required' }), trustStore));
        await slots.initialise(images.factory);
        const logs = await openHubLogs(store, clock);
        models = options.models ? await DeviceModels.open({ store, credentials: trustStore, securityLog: logs.securityLog }) : undefined;
        own = await OwnImage.open({ store, clock, images: held, hub: RTDS_IDENTITY.chf, target: HUB_TARGET, ...(options.slots === false ? {} : { slots }), ...(models ? { models } : {}) });
        own.on('restartNeeded', ({ version }) => restarts.push(version.toString('hex')));
        return { ownImage: own, logs };
      },
    });
    return harness;
  }

  const cs06 = (image: Buffer, counter: bigint, at?: Date) =>
    buildCommand(harness!, { ...BY_SUPPLIER, messageCode: CS06_CODE, counter, sign: true, payload: encodeAsn1(activateFirmwareCommand, { manufacturerImageHash: image.length === 32 ? image : hashOf(image), originatorCounter: Number(counter), ...(at ? { executionDateTime: at } : {}) }) });

  it('activates a held image at once: the response is the RTDS IMMEDIATE_SUCCESS payload, the new slot waits for the restart', async () => {
    const hub = await open();
    const response = await expectSignedResponse(await hub.process(await cs06(images.next, 0x3e8n)));
    expect(response.payload.toString('hex')).toBe(payloadOf('CS06_11.3_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX'));
    expect(restarts).toEqual(['0123abce']);
  });

  it('answers an image it does not hold with code 1 and the version running, the RTDS IMMEDIATE_ERROR payload, and switches nothing', async () => {
    const hub = await open({ hold: [] });
    const response = await expectSignedResponse(await hub.process(await cs06(images.next, 0x3edn)));
    expect(response.payload.toString('hex')).toBe(payloadOf('CS06_11.3_IMMEDIATE_ERROR_RESPONSE_GBCS.HEX'));
    expect(restarts).toEqual([]);
    expect(await own.runningVersion()).toEqual(Buffer.from('0123abcf', 'hex'));
  });

  it('tells a hash that names none of its own images (code 2) from holding none, and fails without slots (code 3)', async () => {
    let hub = await open();
    let response = await expectSignedResponse(await hub.process(await cs06(Buffer.alloc(32, 0xaa), 0x3een)));
    expect(response.payload.toString('hex')).toBe('300902010204040123abcf');
    await harness!.close();
    harness = undefined;
    hub = await open({ slots: false });
    response = await expectSignedResponse(await hub.process(await cs06(images.next, 0x3efn)));
    expect(response.payload.toString('hex')).toBe('30090201030404' + '00000000');
    expect(restarts).toEqual([]);
  });

  it('keeps a future-dated activation, answers NULL, and at its time raises the RTDS 8F66 alert payload', async () => {
    const hub = await open();
    const at = new Date(Date.UTC(2030, 0, 15, 9, 0, 0));
    const response = await expectSignedResponse(await hub.process(await cs06(images.next, 0x3e9n, at)));
    expect(response.payload.toString('hex')).toBe(payloadOf('CS06_11.3_FUTURE_DATED_SUCCESS_RESPONSE_GBCS.HEX'));
    expect(await own.pending()).toEqual({ hash: hashOf(images.next).toString('hex'), at: at.getTime() });
    const fired = new Promise<Parameters<typeof cs06AlertPayload>[0]>((resolve) => own.once('futureActivation', resolve));
    await own.start();
    await hub.clock.advance(at.getTime() - hub.clock.now());
    const outcome = await fired;
    expect(restarts).toEqual(['0123abce']);
    // The RTDS alert reports the version the ESME ran before; this hub runs the new one only after its restart.
    expect(cs06AlertPayload({ ...outcome, runningVersion: Buffer.from('0123abcf', 'hex') }).toString('hex')).toBe(payloadOf('CS06_11.3_8F66_FUTURE_DATED_SUCCESS_ALERT_GBCS.HEX'));
    raiseCs06Alert(hub.hub.router.alerts, RTDS_IDENTITY, outcome);
    await expect.poll(() => hub.looseAlerts.length).toBe(1);
    const alert = decodeMessage(hub.looseAlerts[0]!.bytes);
    expect(alert.header).toMatchObject({ cra: 'alert', messageCode: 0x00ca, recipient: RTDS_SUPPLIER });
  });

  it('cancels a pending activation with 9999-12-31T23:59:59 (the RTDS CANCELLATION payload), and nothing runs at its time', async () => {
    const hub = await open();
    const at = new Date(Date.UTC(2030, 0, 1));
    await expectSignedResponse(await hub.process(await cs06(images.next, 0x3ean, at)));
    await own.start();
    const response = await expectSignedResponse(await hub.process(await cs06(images.next, 0x3ebn, new Date(CANCEL_ACTIVATION_AT))));
    expect(response.payload.toString('hex')).toBe(payloadOf('CS06_11.3_CANCELLATION_SUCCESS_RESPONSE_GBCS.HEX'));
    expect(await own.pending()).toBeUndefined();
    await hub.clock.advance(at.getTime() + 1000 - hub.clock.now());
    expect(restarts).toEqual([]);
  });

  it('ECS52 reads the running version as the RTDS SUCCESS payload has it, and a hub without slots answers the ERROR one', async () => {
    let hub = await open();
    const read = (counter: bigint, invokeId: number) => buildCommand(harness!, { messageCode: ECS52_CODE, counter, payload: ECS52.encodeCommand({ invokeId, parameters: { firmwareVersion: undefined } }) });
    // The RTDS reads 0x0123ABCD; the payload differs only there from a read of this image's version.
    let outcome = await hub.process(await read(0x3e8n, 0x200003e8));
    expect(outcome.kind).toBe('answered');
    const expected = payloadOf('ECS52_11.2_SUCCESS_RESPONSE_GBCS.HEX').replace('0123abcd', '0123abcf');
    expect(decodeMessage((outcome as { response: Buffer }).response).payload.toString('hex')).toBe(expected);
    await harness!.close();
    harness = undefined;
    hub = await open({ slots: false });
    outcome = await hub.process(await read(0x3ean, 0x200003ea));
    expect(decodeMessage((outcome as { response: Buffer }).response).payload.toString('hex')).toBe(payloadOf('ECS52_11.2_ERROR_RESPONSE_GBCS.HEX'));
  });

  it('refuses a downgrade, or a Device Model combination, the allowed list does not have (code 3, Security Log), and activates once it has them', async () => {
    const hub = await open({ models: true });
    await own.start();
    const refused = async (counter: bigint) => {
      const response = await expectSignedResponse(await hub.process(await cs06(images.next, counter)));
      expect(response.payload.toString('hex')).toBe('300902010304040123abcf');
      expect(restarts).toEqual([]);
      expect(await own.runningVersion()).toEqual(Buffer.from('0123abcf', 'hex'));
    };
    // 0x0123ABCE after 0x0123ABCF is a downgrade, and no list names it.
    await refused(0x3f0n);
    const hubModel = (fileVersion: number) => ({ ...HUB_TARGET, fileVersion });
    const esme = { manufacturerCode: 0x121d, imageType: 0, hardwareVersion: 0x1111, fileVersion: 1 };
    await models!.observed('00DB1234567890A0', esme);
    const acb = createPrivateKey(readFileSync(join(RTDS_KEYSTORE, '90b3d51f30000002-ds.key'), 'utf8'));
    const signed = (list: Parameters<typeof encodeDeviceModelFrame>[0]) => encodeDeviceModelFrame(list, (data) => sign('sha256', data, { key: acb, dsaEncoding: 'ieee-p1363' }));
    // The downgrade is named, but the hub's new model beside the ESME's is on no combination.
    await models!.accept(signed({ sequence: 1, combinations: [[hubModel(0x0123abcf), esme], [hubModel(0x0123abce)]], downgrades: [hubModel(0x0123abce)] }));
    await refused(0x3f1n);
    expect((await harness!.securityLogCodes()).filter((code) => code === HUB_EVENTS.activationRefusedDeviceModel.code)).toHaveLength(2);
    await models!.accept(signed({ sequence: 2, combinations: [[hubModel(0x0123abce), esme]], downgrades: [hubModel(0x0123abce)] }));
    const response = await expectSignedResponse(await hub.process(await cs06(images.next, 0x3f2n)));
    expect(response.payload.toString('hex')).toBe(payloadOf('CS06_11.3_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX'));
    expect(restarts).toEqual(['0123abce']);
  });

  it('refuses a CS06 whose payload does not read (PAYLOAD_INVALID), switching and scheduling nothing, whatever the bytes', async () => {
    const hub = await open();
    const good = encodeAsn1(activateFirmwareCommand, { manufacturerImageHash: hashOf(images.next), originatorCounter: 1 });
    let counter = 0x4000n;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b)), fc.nat({ max: good.length - 1 }).map((cut) => good.subarray(0, cut))), async (payload) => {
        counter += 1n;
        const bytes = await buildCommand(harness!, { ...BY_SUPPLIER, messageCode: CS06_CODE, counter, sign: true, payload });
        const outcome = await hub.process(bytes);
        if (outcome.kind === 'dropped') expect(outcome.refusal.code).toBe('PAYLOAD_INVALID');
        expect(restarts).toEqual([]);
        expect(await own.pending()).toBeUndefined();
      }),
      { numRuns: 40 },
    );
  });
});
