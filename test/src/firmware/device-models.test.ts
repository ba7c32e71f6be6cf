import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { decodeDeviceModelFrame, DeviceModels, encodeDeviceModelFrame, type DeviceModel, type DeviceModelList } from '../../../src/firmware/device-models.js';
import { FirmwareError } from '../../../src/firmware/index.js';
import { HUB_EVENTS } from '../../../src/logs/event-codes.js';
import { openHubLogs, type HubLogs } from '../../../src/logs/hub-logs.js';
import { SecurityCredentials, seedCredentialsFromKeystore } from '../../../src/security/credentials.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { describeRtds, RTDS_KEYSTORE } from '../../helpers/rtds.js';
import { tempDir } from '../store/helpers.js';

/**
 * The allowed Device Model combinations list: taken only signed by the operator's key the hub holds
 * (the Access Control Broker's Digital Signing certificate), newer than the one held; a change that
 * would leave a combination not on it, or a downgrade it does not name, refused into the Security Log.
 */
const signer = (eui: string) => {
  const key = createPrivateKey(readFileSync(join(RTDS_KEYSTORE, `${eui}-ds.key`), 'utf8'));
  return (data: Buffer) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
};
const ACB = '90b3d51f30000002';
const SUPPLIER = '90b3d51f30010000';
const HUB = '00DB1234567890A2';
const ESME = '00DB1234567890A0';
const model = (imageType: number, fileVersion: number): DeviceModel => ({ manufacturerCode: 0x121d, imageType, hardwareVersion: 0x1111, fileVersion });
const LIST: DeviceModelList = {
  sequence: 2,
  combinations: [[model(0x100, 2), model(0, 1)], [model(0x100, 3), model(0, 1)], [model(0x100, 3), model(0, 5)]],
  downgrades: [model(0x100, 2)],
};

describeRtds('the allowed Device Model combinations', () => {
  let store: Store;
  let logs: HubLogs;
  let models: DeviceModels;
  beforeEach(async () => {
    store = await openStore({ path: await tempDir('hub-device-models-') });
    logs = await openHubLogs(store, new ManualClock());
    const credentials = await SecurityCredentials.open(store);
    await seedCredentialsFromKeystore(credentials, RTDS_KEYSTORE, []);
    models = await DeviceModels.open({ store, credentials, securityLog: logs.securityLog });
  });
  afterEach(() => store.close());
  const securityCodes = async () => (await logs.securityLog.newest()).map((entry) => entry.code);

  it('takes a list the operator signed, keeps it across a restart, and refuses any other signer, a flipped bit or an older sequence', async () => {
    const frame = encodeDeviceModelFrame(LIST, signer(ACB));
    await expect(models.accept(encodeDeviceModelFrame(LIST, signer(SUPPLIER)))).rejects.toMatchObject({ code: 'SIGNATURE_INVALID', field: 'signature' });
    for (const at of [3, 64, 80, frame.length - 2]) {
      const flipped = Buffer.from(frame);
      flipped[at]! ^= 0x01;
      await expect(models.accept(flipped)).rejects.toBeInstanceOf(FirmwareError);
    }
    expect(models.list()).toBeUndefined();
    expect(await models.accept(frame)).toEqual(LIST);
    await expect(models.accept(encodeDeviceModelFrame({ ...LIST, sequence: 2 }, signer(ACB)))).rejects.toMatchObject({ code: 'BAD_FIELD', field: 'list/sequence' });
    const credentials = await SecurityCredentials.open(store);
    expect((await DeviceModels.open({ store, credentials })).list()).toEqual(LIST);
    const codes = await securityCodes();
    expect(codes.filter((code) => code === HUB_EVENTS.deviceModelListRefused.code)).toHaveLength(6);
    expect(codes).toContain(HUB_EVENTS.deviceModelListAccepted.code);
  });

  it('allows a change whose combination is on the list, refuses one that is not and a downgrade it does not name, each into the Security Log', async () => {
    // No list yet: any combination, but no downgrade.
    await models.approve(HUB, model(0x100, 2), model(0x100, 9));
    await expect(models.approve(HUB, model(0x100, 3), model(0x100, 2))).rejects.toMatchObject({ code: 'DOWNGRADE_NOT_ALLOWED' });
    await models.accept(encodeDeviceModelFrame(LIST, signer(ACB)));
    await models.observed(ESME, model(0, 1));
    await models.approve(HUB, model(0x100, 2), model(0x100, 3));
    await expect(models.approve(HUB, model(0x100, 2), model(0x100, 4))).rejects.toMatchObject({ code: 'MODEL_COMBINATION_NOT_ALLOWED' });
    // The ESME moving to 5 leaves {hub 2, ESME 5}: on no combination while the hub runs 2.
    await models.observed(HUB, model(0x100, 2));
    await expect(models.approve(ESME, model(0, 1), model(0, 5))).rejects.toMatchObject({ code: 'MODEL_COMBINATION_NOT_ALLOWED' });
    await models.observed(HUB, model(0x100, 3));
    await models.approve(ESME, model(0, 1), model(0, 5));
    // Back from 3 to 2: the list names that downgrade.
    await models.approve(HUB, model(0x100, 3), model(0x100, 2));
    const refused = (await securityCodes()).filter((code) => code === HUB_EVENTS.activationRefusedDeviceModel.code);
    expect(refused).toHaveLength(3);
  });

  it('reads any frame as a list or refuses it with a FirmwareError naming where', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.jsonValue().map((value) => Buffer.concat([Buffer.alloc(64), Buffer.from(JSON.stringify(value) ?? '')]))), (bytes) => {
        try {
          const { list } = decodeDeviceModelFrame(Buffer.from(bytes));
          expect(list.sequence).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(FirmwareError);
          expect((error as FirmwareError).field.length).toBeGreaterThan(0);
        }
      }),
    );
  });
});
