import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { decodeOtaCommand, encodeOtaCommand, FirmwareImages, OTA_COMMANDS, OTA_STATUS, OtaServer, type OtaServerEvents } from '../../../src/firmware/index.js';
import { SecurityCredentials, seedCredentialsFromKeystore } from '../../../src/security/credentials.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { describeSamples, ESME_SAMPLE, readSample } from '../../helpers/firmware.js';
import { RTDS_KEYSTORE } from '../../helpers/rtds.js';

const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const ESME_HASH = '7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36';
const DEVICE = { manufacturerCode: 0x121d, imageType: 0, fileVersion: 0x00000001, hardwareVersion: 0x1200 };

type Ended = OtaServerEvents['transferEnded'][0];

/** A Device's OTA client, as the cluster has it behave: query, then blocks by offset, then Upgrade End. */
async function pull(server: OtaServer, eui: string, options: { maximumDataSize?: number; from?: number; stopAfter?: number; onWait?: (ms: number) => Promise<void> } = {}) {
  const ask = async (name: 'queryNextImageRequest' | 'imageBlockRequest' | 'upgradeEndRequest', fields: Record<string, number>) => {
    const reply = await server.handle(eui, OTA_COMMANDS[name].id, encodeOtaCommand(name, fields));
    return reply && { name: reply.name, fields: decodeOtaCommand(reply.name, reply.payload) };
  };
  const query = await ask('queryNextImageRequest', { fieldControl: 1, manufacturerCode: DEVICE.manufacturerCode, imageType: DEVICE.imageType, fileVersion: DEVICE.fileVersion, hardwareVersion: DEVICE.hardwareVersion });
  if (query!.fields['status'] !== OTA_STATUS.success) return { status: query!.fields['status'] as number, bytes: Buffer.alloc(0), waits: 0, blocks: 0 };
  const { manufacturerCode, imageType, fileVersion, imageSize } = query!.fields as Record<string, number>;
  const parts: Buffer[] = [];
  let offset = options.from ?? 0;
  let waits = 0;
  let blocks = 0;
  while (offset < imageSize! && blocks !== options.stopAfter) {
    const block = await ask('imageBlockRequest', { fieldControl: 0, manufacturerCode: manufacturerCode!, imageType: imageType!, fileVersion: fileVersion!, fileOffset: offset, maximumDataSize: options.maximumDataSize ?? 100 });
    if (block!.fields['status'] === OTA_STATUS.waitForData) {
      waits++;
      await options.onWait?.(block!.fields['minimumBlockPeriod'] as number);
      continue;
    }
    if (block!.fields['status'] !== OTA_STATUS.success) return { status: block!.fields['status'] as number, bytes: Buffer.concat(parts), waits, blocks };
    const data = block!.fields['data'] as Buffer;
    expect(block!.fields['fileOffset']).toBe(offset);
    parts.push(data);
    offset += data.length;
    blocks++;
  }
  if (offset < imageSize!) return { status: -1, bytes: Buffer.concat(parts), waits, blocks, offset };
  const end = await ask('upgradeEndRequest', { status: OTA_STATUS.success, manufacturerCode: manufacturerCode!, imageType: imageType!, fileVersion: fileVersion! });
  expect(end?.fields).toMatchObject({ manufacturerCode, imageType, fileVersion, upgradeTime: 0 });
  return { status: OTA_STATUS.success, bytes: Buffer.concat(parts), waits, blocks };
}

describeSamples('the hub as OTA Upgrade server', () => {
  let dir: string;
  let store: Store;
  let images: FirmwareImages;
  let ended: Ended[];
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const open = async (period = 0): Promise<OtaServer> => {
    store = await openStore({ path: dir });
    images = await FirmwareImages.open(store, { clock });
    const server = await OtaServer.open({ store, images, clock, minimumBlockPeriodMs: (eui) => (eui === GSME ? period : 0) });
    server.on('transferEnded', (event) => ended.push(event));
    return server;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-ota-server-'));
    ended = [];
    const seeding = await openStore({ path: dir });
    const credentials = await SecurityCredentials.open(seeding);
    await seedCredentialsFromKeystore(credentials, RTDS_KEYSTORE, []);
    await (await FirmwareImages.open(seeding, { clock })).add(readSample(ESME_SAMPLE), { credentials });
    await seeding.close();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the offered image in blocks of at most 63 octets, whole, and reports the transfer as a success', async () => {
    const server = await open();
    const notify = await server.offer(ESME, ESME_HASH);
    expect(decodeOtaCommand('imageNotify', notify)).toEqual({ payloadType: 3, queryJitter: 100, manufacturerCode: 0x121d, imageType: 0, fileVersion: 0xacdcacdc });
    const result = await pull(server, ESME);
    expect(result.bytes.equals(readSample(ESME_SAMPLE))).toBe(true);
    expect(result.blocks).toBe(Math.ceil(361 / 63));
    expect(ended).toEqual([{ at: clock.now(), target: ESME, firmwareVersion: Buffer.from('acdcacdc', 'hex'), outcome: 'transferSucceeded', cause: 'SUCCESS', imageHash: ESME_HASH }]);
  });

  it('offers nothing to a Device with no offer, the wrong hardware or the same version, and aborts a block of another image', async () => {
    const server = await open();
    expect((await pull(server, ESME)).status).toBe(OTA_STATUS.noImageAvailable);
    await server.offer(ESME, ESME_HASH);
    const wrong = await server.handle(ESME, 0x01, encodeOtaCommand('queryNextImageRequest', { fieldControl: 1, manufacturerCode: 0x121d, imageType: 0, fileVersion: 1, hardwareVersion: 0x1300 }));
    expect(decodeOtaCommand('queryNextImageResponse', wrong!.payload)).toEqual({ status: OTA_STATUS.noImageAvailable });
    const same = await server.handle(ESME, 0x01, encodeOtaCommand('queryNextImageRequest', { fieldControl: 0, manufacturerCode: 0x121d, imageType: 0, fileVersion: 0xacdcacdc }));
    expect(decodeOtaCommand('queryNextImageResponse', same!.payload)).toEqual({ status: OTA_STATUS.noImageAvailable });
    const other = await server.handle(ESME, 0x03, encodeOtaCommand('imageBlockRequest', { fieldControl: 0, manufacturerCode: 0x121d, imageType: 0, fileVersion: 2, fileOffset: 0, maximumDataSize: 50 }));
    expect(decodeOtaCommand('imageBlockResponse', other!.payload)).toEqual({ status: OTA_STATUS.abort });
    const past = await server.handle(ESME, 0x03, encodeOtaCommand('imageBlockRequest', { fieldControl: 0, manufacturerCode: 0x121d, imageType: 0, fileVersion: 0xacdcacdc, fileOffset: 361, maximumDataSize: 50 }));
    expect(decodeOtaCommand('imageBlockResponse', past!.payload)).toEqual({ status: OTA_STATUS.abort });
    await expect(server.handle(ESME, 0x09, Buffer.alloc(0))).rejects.toMatchObject({ code: 'BAD_FIELD' });
  });

  it('tells a Device asking sooner than its minimum block period to wait, and it gets the image all the same', async () => {
    const server = await open(2000);
    await server.offer(GSME, ESME_HASH);
    const result = await pull(server, GSME, { onWait: (ms) => clock.advance(ms) });
    expect(result.bytes.equals(readSample(ESME_SAMPLE))).toBe(true);
    expect(result.waits).toBe(result.blocks - 1);
  });

  it('keeps its offers across a hub restart, so a Device goes on from the offset it had', async () => {
    let server = await open();
    await server.offer(ESME, ESME_HASH);
    const first = await pull(server, ESME, { stopAfter: 3 });
    await store.close();
    server = await open();
    expect(server.offered(ESME)).toBe(ESME_HASH);
    const rest = await pull(server, ESME, { from: first.bytes.length });
    expect(Buffer.concat([first.bytes, rest.bytes]).equals(readSample(ESME_SAMPLE))).toBe(true);
  });

  it('reports a Device that ends the transfer with INVALID_IMAGE or ABORT as a failure, with no response', async () => {
    const server = await open();
    await server.offer(ESME, ESME_HASH);
    for (const status of [OTA_STATUS.invalidImage, OTA_STATUS.abort]) {
      const reply = await server.handle(ESME, 0x06, encodeOtaCommand('upgradeEndRequest', { status, manufacturerCode: 0x121d, imageType: 0, fileVersion: 0xacdcacdc }));
      expect(reply).toBeUndefined();
    }
    expect(ended.map((event) => [event.outcome, event.cause])).toEqual([
      ['imageDiscarded', 'UPGRADE_END_0x96'],
      ['transferFailed', 'UPGRADE_END_0x95'],
    ]);
  });
});
