import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import {
  chunkImage,
  decodeChunk,
  encodeChunk,
  FIRMWARE_CHUNKS_DOMAIN,
  FirmwareError,
  FirmwareImages,
  ImageReceiver,
  type ImageTarget,
  type TransferEnded,
} from '../../../src/firmware/index.js';
import { SecurityCredentials, seedCredentialsFromKeystore } from '../../../src/security/credentials.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { describeSamples, ESME_SAMPLE, readSample } from '../../helpers/firmware.js';
import { RTDS_KEYSTORE } from '../../helpers/rtds.js';

const ESME_EUI = '00DB1234567890A0';
const ESME: ImageTarget = { manufacturerCode: 0x121d, imageType: 0x0000, hardwareVersion: 0x1200 };
const ESME_HASH = '7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36';
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('chunk frames, for any input', () => {
  it('read back what was written, and refuse anything else with a FirmwareError', () => {
    const chunk = fc.record({
      target: fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex').toUpperCase()),
      imageHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
      data: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((b) => Buffer.from(b)),
      offset: fc.nat({ max: 10_000 }),
      extra: fc.nat({ max: 10_000 }),
    });
    fc.assert(
      fc.property(chunk, ({ extra, ...c }) => {
        const frame = { ...c, totalSize: c.offset + c.data.length + extra };
        expect(decodeChunk(encodeChunk(frame))).toEqual(frame);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.boolean(), (bytes, framed) => {
        const frame = Buffer.from(bytes);
        if (framed && frame.length > 5) Buffer.from('GBFW\x01', 'latin1').copy(frame);
        try {
          decodeChunk(frame);
        } catch (error) {
          expect(error).toBeInstanceOf(FirmwareError);
        }
      }),
    );
  });
});

describeSamples('receiving an Upgrade Image over the WAN in chunks', () => {
  let dir: string;
  let store: Store;
  let credentials: SecurityCredentials;
  let images: FirmwareImages;
  let ended: TransferEnded[];
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const targets = new Map<string, ImageTarget>([[ESME_EUI, ESME]]);

  const open = async (quotaBytes?: number): Promise<ImageReceiver> => {
    store = await openStore({ path: dir });
    credentials = await SecurityCredentials.open(store);
    images = await FirmwareImages.open(store, { clock, ...(quotaBytes === undefined ? {} : { quotaBytes }) });
    const receiver = await ImageReceiver.open({ store, images, clock, credentials, others: () => credentials.list(), targetOf: (eui) => targets.get(eui) });
    receiver.on('transferEnded', (event) => ended.push(event));
    return receiver;
  };
  const frames = (image: Buffer, size = 50, target = ESME_EUI, hash = sha256(image)) => chunkImage(target, image, hash, size);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-firmware-receive-'));
    ended = [];
    const seeding = await openStore({ path: dir });
    await seedCredentialsFromKeystore(await SecurityCredentials.open(seeding), RTDS_KEYSTORE, []);
    await seeding.close();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the ESME sample sent in shuffled chunks, some twice, and keeps no chunk once it is held', async () => {
    const receiver = await open();
    const received: string[] = [];
    receiver.on('imageReceived', ({ image }) => received.push(image.hash));
    const all = frames(readSample(ESME_SAMPLE), 40);
    const order = [3, 0, 8, 1, 1, 5, 7, 2, 4, 6, 3];
    const results = [];
    for (const index of order) results.push(await receiver.receive(all[index]!));
    expect(results.at(-2)).toBe('stored');
    expect(await receiver.receive(all[9]!)).toBe('complete');
    expect(received).toEqual([ESME_HASH]);
    expect(images.entry(ESME_HASH)?.signer).toBe('90B3D51F30010000');
    expect(receiver.progress()).toEqual([]);
    expect(await (await store.domain(FIRMWARE_CHUNKS_DOMAIN)).count()).toBe(0);
    expect(ended).toEqual([]);
  });

  it('resumes after a restart where it was, its progress showing what is in', async () => {
    const image = readSample(ESME_SAMPLE);
    const all = frames(image, 100);
    let receiver = await open();
    await receiver.receive(all[0]!);
    await receiver.receive(all[2]!);
    await store.close();
    receiver = await open();
    expect(receiver.progress()).toEqual([{ target: ESME_EUI, imageHash: sha256(image), totalSize: 361, receivedOctets: 200, ranges: [[0, 100], [200, 300]], startedAt: clock.now(), updatedAt: clock.now() }]);
    await receiver.receive(all[1]!);
    expect(await receiver.receive(all[3]!)).toBe('complete');
    expect(images.list().map((held) => held.hash)).toEqual([ESME_HASH]);
  });

  it('discards an image whose header is not for the Device as soon as the header is in, and drops its later chunks', async () => {
    targets.set('00DB1234567890A5', { ...ESME, hardwareVersion: 0x1300 });
    targets.set('00DB1234567890A4', { ...ESME, imageType: 0x0084 });
    const receiver = await open();
    const image = readSample(ESME_SAMPLE);
    const wrongHardware = frames(image, 100, '00DB1234567890A5');
    expect(await receiver.receive(wrongHardware[1]!)).toBe('stored');
    expect(await receiver.receive(wrongHardware[0]!)).toBe('discarded');
    expect(await receiver.receive(wrongHardware[2]!)).toBe('ignored');
    expect(await receiver.receive(frames(image, 100, '00DB1234567890A4')[0]!)).toBe('discarded');
    expect(await receiver.receive(frames(image, 100, '00DB1234567890AF')[0]!)).toBe('discarded');
    expect(ended.map(({ target, outcome, cause, firmwareVersion }) => [target, outcome, cause, firmwareVersion.toString('hex')])).toEqual([
      ['00DB1234567890A5', 'hardwareVersionMismatch', 'HARDWARE_VERSION_OUT_OF_RANGE', 'acdcacdc'],
      ['00DB1234567890A4', 'imageDiscarded', 'WRONG_IMAGE_TYPE', 'acdcacdc'],
      ['00DB1234567890AF', 'imageDiscarded', 'UNKNOWN_TARGET', 'acdcacdc'],
    ]);
    expect(receiver.progress()).toEqual([]);
    expect(images.list()).toEqual([]);
    expect(await (await store.domain(FIRMWARE_CHUNKS_DOMAIN)).count()).toBe(0);
  });

  it('discards an image with a flipped bit, and fails a transfer whose octets do not hash to its name', async () => {
    const receiver = await open();
    const flipped = readSample(ESME_SAMPLE);
    flipped[150]! ^= 0x01;
    for (const frame of frames(flipped)) await receiver.receive(frame);
    const altered = frames(readSample(ESME_SAMPLE));
    const last = decodeChunk(altered.at(-1)!);
    last.data[0]! ^= 0xff;
    for (const frame of [...altered.slice(0, -1), encodeChunk(last)]) await receiver.receive(frame);
    expect(ended.map(({ outcome, cause }) => [outcome, cause])).toEqual([
      ['imageDiscarded', 'SIGNATURE_INVALID'],
      ['transferFailed', 'IMAGE_HASH_MISMATCH'],
    ]);
    expect(images.list()).toEqual([]);
  });

  it('refuses a transfer that would pass the quota, keeping the one under way', async () => {
    const receiver = await open(500);
    const image = readSample(ESME_SAMPLE);
    const first = frames(image, 100);
    await receiver.receive(first[0]!);
    const other = Buffer.from(image);
    other.writeUInt32LE(0x00000001, 14);
    expect(await receiver.receive(frames(other, 100)[0]!)).toBe('discarded');
    expect(ended.map(({ outcome, cause }) => [outcome, cause])).toEqual([['transferFailed', 'QUOTA_REACHED']]);
    for (const frame of first.slice(1)) await receiver.receive(frame);
    expect(images.usedBytes).toBe(361);
  });

  it('refuses a frame it cannot read, or one that disagrees with its transfer, storing nothing', async () => {
    const receiver = await open();
    const all = frames(readSample(ESME_SAMPLE), 100);
    await expect(receiver.receive(Buffer.from('not a frame'))).rejects.toMatchObject({ code: 'BAD_CHUNK', offset: 11 });
    await receiver.receive(all[1]!);
    const lying = decodeChunk(all[2]!);
    await expect(receiver.receive(encodeChunk({ ...lying, totalSize: 400 }))).rejects.toMatchObject({ code: 'BAD_CHUNK', field: 'total size' });
    expect(receiver.progress()[0]?.receivedOctets).toBe(100);
  });
});
