import { createPrivateKey, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { HubSlots, parseUpgradeImage, signUpgradeImage, verifyUpgradeImage } from '../../../src/firmware/index.js';
import { loadRtdsKeystore } from '../../../src/security/rtds-secure-element.js';
import { describeRtds, RTDS_KEYSTORE } from '../../helpers/rtds.js';

describeRtds("the hub's own image in A/B slots", () => {
  let images: Buffer[];
  let verify: (image: Buffer) => void;
  let root: string;
  beforeAll(async () => {
    const { trustStore } = await loadRtdsKeystore(RTDS_KEYSTORE);
    verify = (image) => void verifyUpgradeImage(parseUpgradeImage(image, { signature: 'required' }), trustStore);
    const key = createPrivateKey(readFileSync(join(RTDS_KEYSTORE, '90b3d51f30010000-ds.key'), 'utf8'));
    images = await Promise.all([1, 2].map((version) => signUpgradeImage({ manufacturerCode: 0x121d, imageType: 0x0100, fileVersion: version, stackVersion: 2, headerString: Buffer.alloc(32), manufacturerImage: Buffer.alloc(1000, version) }, (data) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }))));
  });
  beforeEach(() => {
    root = join(mkdtempSync(join(tmpdir(), 'hub-slots-')), 'slots');
  });
  afterEach(() => rmSync(join(root, '..'), { recursive: true, force: true }));

  const running = async (slots: HubSlots) => slots.complete((await slots.state()).active);

  it('runs a new image after its check passes, and keeps the old one in the other slot', async () => {
    const slots = new HubSlots(root, verify);
    await slots.initialise(images[0]!);
    await slots.stage(images[1]!);
    await slots.activate();
    expect(await slots.recover()).toBe('onTrial');
    expect(await slots.confirm(true)).toBe('kept');
    expect(await slots.recover()).toBe('running');
    expect((await running(slots))?.equals(images[1]!)).toBe(true);
    expect((await slots.complete('a'))?.equals(images[0]!)).toBe(true);
  });

  it('goes back to the old image when the check fails, or when a start finds the check never finished', async () => {
    const slots = new HubSlots(root, verify);
    await slots.initialise(images[0]!);
    await slots.stage(images[1]!);
    await slots.activate();
    await slots.recover();
    expect(await slots.confirm(false)).toBe('rolledBack');
    expect((await running(slots))?.equals(images[0]!)).toBe(true);
    await slots.activate();
    expect(await slots.recover()).toBe('onTrial');
    expect(await slots.recover()).toBe('rolledBack');
    expect(await slots.state()).toEqual({ active: 'a' });
  });

  it('goes back when the running image no longer verifies, and refuses what would leave no good slot', async () => {
    const slots = new HubSlots(root, verify);
    await slots.initialise(images[0]!);
    await expect(slots.activate()).rejects.toMatchObject({ code: 'IMAGE_NOT_HELD' });
    const forged = Buffer.from(images[1]!);
    forged[200]! ^= 1;
    await expect(slots.stage(forged)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    await slots.stage(images[1]!);
    await slots.activate();
    await expect(slots.stage(images[0]!)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await slots.recover();
    await slots.confirm(true);
    const damaged = readFileSync(join(root, 'slot-b', 'image.bin'));
    damaged[100]! ^= 1;
    writeFileSync(join(root, 'slot-b', 'image.bin'), damaged);
    expect(await slots.recover()).toBe('rolledBack');
    expect(await slots.state()).toEqual({ active: 'a' });
    await expect(new HubSlots(root, verify).initialise(images[0]!)).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
