import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { main } from '../../../src/cli.js';
import { ActivationSchedule, chunkImage, FirmwareImages, HubSlots, ImageReceiver, parseUpgradeImage } from '../../../src/firmware/index.js';
import { SecurityCredentials, seedCredentialsFromKeystore } from '../../../src/security/credentials.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { openStore } from '../../../src/store/index.js';
import { describeSamples, ESME_SAMPLE, PPMID_SAMPLE } from '../../helpers/firmware.js';
import { RTDS_KEYSTORE } from '../../helpers/rtds.js';

const ESME_HASH = '7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  try {
    const code = await main(args);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    vi.restoreAllMocks();
  }
}

describeSamples('hub firmware', () => {
  let dir: string;
  let supplierKey: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-cli-firmware-'));
    supplierKey = join(dir, 'supplier.key');
    copyFileSync(join(RTDS_KEYSTORE, '90b3d51f30010000-ds.key'), supplierKey);
    chmodSync(supplierKey, 0o600);
  });
  afterEach(() => vi.restoreAllMocks());

  it('inspect shows the ESME sample\'s header, the hash CS06 names and who signed it', async () => {
    const { code, out } = await run(['firmware', 'inspect', ESME_SAMPLE, '--keystore', RTDS_KEYSTORE]);
    expect(code).toBe(0);
    expect(out).toContain('manufacturerCode           0x121D');
    expect(out).toContain(ESME_HASH);
    expect(out).toContain('verified by 90B3D51F30010000 (supplier)');
    const json = JSON.parse((await run(['firmware', 'inspect', PPMID_SAMPLE, '--json'])).out) as { header: { imageType: string }; signature: { status: string } };
    expect(json).toMatchObject({ header: { imageType: '0x0084' }, signature: { status: 'none' } });
  });

  it('inspect says what is wrong, where, without a stack: a flipped bit, a cut, an unchecked signature', async () => {
    const flipped = join(dir, 'flipped.bin');
    const bytes = readFileSync(ESME_SAMPLE);
    bytes[200]! ^= 1;
    writeFileSync(flipped, bytes);
    const forged = await run(['firmware', 'inspect', flipped, '--keystore', RTDS_KEYSTORE]);
    expect(forged.code).toBe(2);
    expect(forged.out).toContain('Signature at 295: invalid');
    expect(forged.err).toMatch(/^hub: offset 297 \(upgrade image signature\): .*\[SIGNATURE_INVALID\]\n$/);
    const cut = join(dir, 'cut.bin');
    writeFileSync(cut, readFileSync(ESME_SAMPLE).subarray(0, 58));
    const truncated = await run(['firmware', 'inspect', cut]);
    expect(truncated).toMatchObject({ code: 2, out: '' });
    expect(truncated.err).toBe('hub: offset 56 (minimum/maximum hardware version): the image ends at 58 octets, inside the minimum/maximum hardware version (4 octets at 56) [TRUNCATED]\n');
    expect((await run(['firmware', 'inspect', ESME_SAMPLE])).out).toContain('Signature at 295: not checked');
  });

  it('pack wraps a bundle as an image the RTDS supplier signed, which inspect verifies', async () => {
    const bundle = join(dir, 'bundle.tgz');
    writeFileSync(bundle, Buffer.alloc(5000, 0xab));
    const image = join(dir, 'packed.bin');
    const packed = await run(['firmware', 'pack', bundle, '-o', image, '--key', supplierKey, '--manufacturer', '0x121D', '--image-type', '0', '--file-version', '0x00010002', '--hardware', '0x1111-0x1211', '--header-string', 'lab image', '--force-replace']);
    expect(packed.code).toBe(0);
    expect(packed.out).toContain('5126 octets');
    const parsed = parseUpgradeImage(readFileSync(image), { signature: 'required' });
    expect(parsed.header).toMatchObject({ manufacturerCode: 0x121d, fileVersion: 0x00010002, hardwareVersions: { min: 0x1111, max: 0x1211 } });
    expect(parsed.signature?.forceReplace).toBe(true);
    const inspected = await run(['firmware', 'inspect', image, '--keystore', RTDS_KEYSTORE, '--signature', 'required']);
    expect(inspected.out).toContain('verified by 90B3D51F30010000 (supplier)');
    expect(inspected.out).toContain('"lab image"');
  });

  it('pack refuses a key others can read, a missing key, and numbers that do not fit', async () => {
    const bundle = join(dir, 'small.bin');
    writeFileSync(bundle, 'x');
    const open = join(dir, 'open.key');
    copyFileSync(supplierKey, open);
    chmodSync(open, 0o644);
    const common = ['firmware', 'pack', bundle, '-o', join(dir, 'never.bin'), '--manufacturer', '0x121D', '--image-type', '0', '--file-version', '1'];
    expect((await run([...common, '--key', open])).err).toContain('[KEY_FILE_OPEN]');
    expect((await run(common)).err).toContain('[NO_KEY]');
    expect((await run([...common.slice(0, -1), '0x100000000', '--unsigned'])).err).toContain('--file-version');
    const unsigned = await run([...common.slice(0, 4), join(dir, 'unsigned.bin'), ...common.slice(5), '--unsigned']);
    expect(unsigned.out).toContain('unsigned');
  });

  it('status lists the images the hub holds, and inspect checks against its Security Credentials', async () => {
    const store = join(dir, 'store');
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const opened = await openStore({ path: store, secureElement: await FileSecureElement.open({ stateDir: store }) });
    const credentials = await SecurityCredentials.open(opened);
    await seedCredentialsFromKeystore(credentials, RTDS_KEYSTORE, []);
    const images = await FirmwareImages.open(opened, { clock });
    await images.add(readFileSync(ESME_SAMPLE), { credentials });
    const receiver = await ImageReceiver.open({ store: opened, images, clock, credentials, targetOf: () => ({ manufacturerCode: 0x121d, imageType: 0, hardwareVersion: 0x1200 }) });
    const other = readFileSync(ESME_SAMPLE);
    other.writeUInt32LE(2, 14);
    await receiver.receive(chunkImage('00DB1234567890A0', other, createHash('sha256').update(other).digest('hex'), 100)[0]!);
    const schedule = await ActivationSchedule.open({ store: opened, images, clock, execute: async () => Buffer.alloc(4) });
    await schedule.schedule('00DB1234567890A0', ESME_HASH, Date.UTC(2026, 6, 1));
    schedule.stop();
    await opened.close();
    const slots = join(dir, 'slots');
    await new HubSlots(slots, () => undefined).initialise(readFileSync(ESME_SAMPLE));
    const status = await run(['firmware', 'status', '--store', store]);
    expect(status.code).toBe(0);
    expect(status.out).toContain(`Images held: 1, 361 of 67108864 octets\n  ${ESME_HASH}  361 octets  manufacturer 0x121d type 0x0000 version 0xacdcacdc hardware 0x1111–0x1211  signed by 90B3D51F30010000  held since 2026-06-01T00:00:00.000Z`);
    expect(status.out).toContain('Transfers under way: 1\n  for 00DB1234567890A0  image SHA-256 ');
    expect(status.out).toContain('100 of 361 octets (27 %)  last chunk 2026-06-01T00:00:00.000Z');
    expect(status.out).toContain(`Activations scheduled: 1\n  00DB1234567890A0  image ${ESME_HASH}  at 2026-07-01T00:00:00.000Z`);
    expect(JSON.parse((await run(['firmware', 'status', '--store', store, '--json'])).out)).toMatchObject({ images: [{ hash: ESME_HASH }], transfers: [{ receivedOctets: 100, totalSize: 361 }], usedBytes: 361 });
    const withSlots = await run(['firmware', 'status', '--store', store, '--slots', slots]);
    expect(withSlots.out).toContain(`Running: slot A, version 0xACDCACDC\n  slot A: version 0xACDCACDC, Manufacturer Image ${ESME_HASH}\n  slot B: empty`);
    expect((await run(['firmware', 'inspect', ESME_SAMPLE, '--store', store])).out).toContain('verified by 90B3D51F30010000 (supplier)');
  });
});
