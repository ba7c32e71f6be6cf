import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { buildUpgradeImage, FIRMWARE_IMAGES_DOMAIN, FirmwareError, FirmwareImages, parseUpgradeImage, signUpgradeImage, type UpgradeImageFields } from '../../../src/firmware/index.js';
import { SecurityCredentials, seedCredentialsFromKeystore } from '../../../src/security/credentials.js';
import { openHubLogs } from '../../../src/logs/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { describeSamples, ESME_SAMPLE, PPMID_SAMPLE, readSample } from '../../helpers/firmware.js';
import { RTDS_KEYSTORE } from '../../helpers/rtds.js';

const ESME_HASH = '7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36';
const ESME = { manufacturerCode: 0x121d, imageType: 0x0000, hardwareVersion: 0x1200 };
const supplierKey = () => createPrivateKey(readFileSync(join(RTDS_KEYSTORE, '90b3d51f30010000-ds.key'), 'utf8'));

describeSamples('the images the hub holds, by Manufacturer Image hash', () => {
  let dir: string;
  let store: Store;
  let credentials: SecurityCredentials;
  const clock = new ManualClock(Date.UTC(2026, 5, 1));

  const reopen = async (quotaBytes?: number): Promise<FirmwareImages> => {
    await store.close();
    store = await openStore({ path: dir });
    credentials = await SecurityCredentials.open(store);
    return FirmwareImages.open(store, { clock, ...(quotaBytes === undefined ? {} : { quotaBytes }) });
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-firmware-store-'));
    store = await openStore({ path: dir });
    credentials = await SecurityCredentials.open(store);
    await seedCredentialsFromKeystore(credentials, RTDS_KEYSTORE, []);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the ESME sample under its hash, verified against the Security Credentials, across a restart', async () => {
    const images = await FirmwareImages.open(store, { clock });
    const { entry, added } = await images.add(readSample(ESME_SAMPLE), { credentials, target: ESME });
    expect(added).toBe(true);
    expect(entry).toMatchObject({ hash: ESME_HASH, size: 361, manufacturerCode: 0x121d, imageType: 0, fileVersion: 0xacdcacdc, signer: '90B3D51F30010000', storedAt: clock.now() });
    const again = await reopen();
    expect(again.list()).toEqual([entry]);
    const held = await again.get(ESME_HASH.toUpperCase());
    expect(held?.bytes.equals(readSample(ESME_SAMPLE))).toBe(true);
    expect(again.usedBytes).toBe(361);
  });

  it('keeps the unsigned PPMID sample only where a signature is not required', async () => {
    const images = await FirmwareImages.open(store, { clock });
    await expect(images.add(readSample(PPMID_SAMPLE), { credentials })).rejects.toMatchObject({ code: 'SIGNATURE_MISSING' });
    const { entry } = await images.add(readSample(PPMID_SAMPLE), { credentials, requireSignature: false, target: { ...ESME, imageType: 0x0084 } });
    expect(entry.signer).toBeUndefined();
    expect((await images.get(entry.hash))?.signature).toBeUndefined();
  });

  it('writes nothing for an image it refuses: flipped bit, untrusted signer, wrong Device, over the quota', async () => {
    const logs = await openHubLogs(store, clock);
    const images = await FirmwareImages.open(store, { clock, quotaBytes: 500, securityLog: logs.securityLog });
    const flipped = readSample(ESME_SAMPLE);
    flipped[100]! ^= 0x10;
    const sample = parseUpgradeImage(readSample(ESME_SAMPLE));
    const { headerVersion: _v, headerLength: _l, fieldControl: _c, totalImageSize: _t, ...header } = sample.header;
    const fields: UpgradeImageFields = { ...header, manufacturerImage: Buffer.from(sample.manufacturerImage) };
    const operatorKey = createPrivateKey(readFileSync(join(RTDS_KEYSTORE, '90b3d51f30020000-ds.key'), 'utf8'));
    const byOperator = buildUpgradeImage(fields, { forceReplace: false, value: sign('sha256', fields.manufacturerImage, { key: operatorKey, dsaEncoding: 'ieee-p1363' }) });
    const big = await signUpgradeImage({ ...fields, manufacturerImage: Buffer.alloc(400, 1) }, (data) => sign('sha256', data, { key: supplierKey(), dsaEncoding: 'ieee-p1363' }));
    const refusals: Array<[Buffer, object, string]> = [
      [flipped, {}, 'SIGNATURE_INVALID'],
      [byOperator, { others: credentials.list() }, 'UNTRUSTED_SIGNER'],
      [readSample(ESME_SAMPLE), { target: { ...ESME, hardwareVersion: 0x1300 } }, 'HARDWARE_VERSION_OUT_OF_RANGE'],
      [readSample(ESME_SAMPLE), { target: { ...ESME, imageType: 0x0001 } }, 'WRONG_IMAGE_TYPE'],
      [big, {}, 'QUOTA_REACHED'],
    ];
    for (const [bytes, options, code] of refusals) {
      const error = await images.add(bytes, { credentials, ...options }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(FirmwareError);
      expect((error as FirmwareError).code).toBe(code);
    }
    expect(images.list()).toEqual([]);
    // The forged and the untrusted are attacks; a wrong Device or a full store is not.
    expect((await logs.securityLog.newest()).map((entry) => [entry.code, entry.detail?.['reason']])).toEqual([
      [0x8f1c, 'UNTRUSTED_SIGNER'],
      [0x8f1c, 'SIGNATURE_INVALID'],
    ]);
    const reopened = await reopen(500);
    expect(reopened.list()).toEqual([]);
    expect(reopened.usedBytes).toBe(0);
    expect(await (await store.domain(FIRMWARE_IMAGES_DOMAIN)).count()).toBe(0);
  });

  it('keeps an image already held as it is, unless the new one asks to force a replacement', async () => {
    const images = await FirmwareImages.open(store, { clock });
    const first = await images.add(readSample(ESME_SAMPLE), { credentials });
    await clock.advance(1000);
    expect(await images.add(readSample(ESME_SAMPLE), { credentials })).toEqual({ entry: first.entry, added: false });
    const forced = readSample(ESME_SAMPLE);
    forced[295] = 1;
    const replaced = await images.add(forced, { credentials });
    expect(replaced.added).toBe(true);
    expect(replaced.entry.storedAt).toBe(first.entry.storedAt + 1000);
    expect(images.list()).toHaveLength(1);
    expect(await images.remove(ESME_HASH)).toBe(true);
    expect(await images.get(ESME_HASH)).toBeUndefined();
  });
});
