import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  FirmwareError,
  buildUpgradeImage,
  checkTarget,
  manufacturerImageHash,
  parseUpgradeImage,
  signUpgradeImage,
  verifyUpgradeImage,
  type UpgradeImage,
  type UpgradeImageFields,
} from '../../../src/firmware/index.js';
import { loadRtdsKeystore, type RtdsKeystore } from '../../../src/security/rtds-secure-element.js';
import { TrustStore } from '../../../src/security/certificates.js';
import { describeSamples, ESME_SAMPLE, PPMID_SAMPLE, readSample } from '../../helpers/firmware.js';
import { RTDS_KEYSTORE } from '../../helpers/rtds.js';

const SUPPLIER = '90B3D51F30010000';
const OTHER_SUPPLIER = '90B3D51F30030000';
const NETWORK_OPERATOR = '90B3D51F30020000';
const ESME_HASH = '7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36';

let keystore: RtdsKeystore;
/** The hub trusts one supplier: the RTDS one that signed the ESME sample. */
let trusted: TrustStore;
let work: string;

const privateKeyOf = (eui: string): KeyObject => createPrivateKey(readFileSync(join(RTDS_KEYSTORE, `${eui.toLowerCase()}-ds.key`), 'utf8'));
const signWith = (key: KeyObject) => (data: Buffer) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });

function refusal(run: () => unknown): FirmwareError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FirmwareError);
    return error as FirmwareError;
  }
  throw new Error('expected a FirmwareError, nothing was thrown');
}

function fieldsOf(image: UpgradeImage): UpgradeImageFields {
  const { headerVersion: _v, headerLength: _l, fieldControl: _c, totalImageSize: _t, ...fields } = image.header;
  return { ...fields, manufacturerImage: Buffer.from(image.manufacturerImage) };
}

describeSamples('GBCS Upgrade Images', () => {
  let esme: Buffer;
  let ppmid: Buffer;

  beforeAll(async () => {
    esme = readSample(ESME_SAMPLE);
    ppmid = readSample(PPMID_SAMPLE);
    keystore = await loadRtdsKeystore(RTDS_KEYSTORE);
    trusted = new TrustStore();
    trusted.add(keystore.trustStore.forEui(SUPPLIER, 'digitalSigning')!);
    work = mkdtempSync(join(tmpdir(), 'hub-firmware-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reads the ESME sample: its header, its 235-octet Manufacturer Image and the supplier signature after it', () => {
    const image = parseUpgradeImage(esme, { signature: 'required' });
    expect(image.header).toMatchObject({ headerVersion: 0x0100, headerLength: 60, fieldControl: 0x0004, manufacturerCode: 0x121d, imageType: 0x0000, fileVersion: 0xacdcacdc, stackVersion: 2, totalImageSize: 361, hardwareVersions: { min: 0x1111, max: 0x1211 } });
    expect(image.header.headerString.toString('latin1')).toBe('I am a GFI ESME[] firmware image');
    expect(image.manufacturerImage.length).toBe(235);
    expect(manufacturerImageHash(image).toString('hex')).toBe(ESME_HASH);
    expect(image.signature).toMatchObject({ forceReplace: false, offset: 295 });
    expect(image.signature!.value.length).toBe(64);
    expect(parseUpgradeImage(esme).signature?.offset).toBe(295);
  });

  it('reads the PPMID sample, which carries no signature', () => {
    const image = parseUpgradeImage(ppmid);
    expect(image.header).toMatchObject({ manufacturerCode: 0x121d, imageType: 0x0084, totalImageSize: 295, hardwareVersions: { min: 0x1111, max: 0x1211 } });
    expect(image.manufacturerImage.length).toBe(235);
    expect(image.signature).toBeUndefined();
    expect(refusal(() => parseUpgradeImage(ppmid, { signature: 'required' })).code).toBe('SIGNATURE_MISSING');
  });

  it('builds both samples again octet for octet from what it read', () => {
    const signed = parseUpgradeImage(esme);
    expect(buildUpgradeImage(fieldsOf(signed), signed.signature).equals(esme)).toBe(true);
    expect(buildUpgradeImage(fieldsOf(parseUpgradeImage(ppmid))).equals(ppmid)).toBe(true);
  });

  it('verifies the ESME sample with the RTDS supplier 90B3D51F30010000 and names it as the signer', () => {
    expect(verifyUpgradeImage(parseUpgradeImage(esme), trusted).eui).toBe(SUPPLIER);
    // With every RTDS certificate trusted, it is still the supplier's key that verifies.
    expect(verifyUpgradeImage(parseUpgradeImage(esme), keystore.trustStore).eui).toBe(SUPPLIER);
  });

  it('fails verification for every single flipped bit of the Manufacturer Image and of the signature', () => {
    const image = parseUpgradeImage(esme, { signature: 'required' });
    const from = image.header.headerLength;
    const to = image.signature!.offset + 2 + 64;
    const failures = new Set<string>();
    let flips = 0;
    for (let at = from; at < to; at++) {
      if (at === image.signature!.offset || at === image.signature!.offset + 1) continue;
      for (let bit = 0; bit < 8; bit++) {
        const damaged = Buffer.from(esme);
        damaged[at]! ^= 1 << bit;
        failures.add(refusal(() => verifyUpgradeImage(parseUpgradeImage(damaged, { signature: 'required' }), trusted)).code);
        flips++;
      }
    }
    expect(flips).toBe((235 + 64) * 8);
    expect([...failures]).toEqual(['SIGNATURE_INVALID']);
  });

  it('refuses a signature that is not the supplier\'s: forged, by a party in another role, by a supplier no longer trusted', () => {
    const image = parseUpgradeImage(esme);
    const forged = buildUpgradeImage(fieldsOf(image), { forceReplace: false, value: Buffer.alloc(64, 0x5a) });
    expect(refusal(() => verifyUpgradeImage(parseUpgradeImage(forged), trusted))).toMatchObject({ code: 'SIGNATURE_INVALID', field: 'upgrade image signature', offset: 297 });
    const others = keystore.trustStore.all();
    const byOperator = buildUpgradeImage(fieldsOf(image), { forceReplace: false, value: signWith(privateKeyOf(NETWORK_OPERATOR))(image.manufacturerImage) });
    expect(refusal(() => verifyUpgradeImage(parseUpgradeImage(byOperator), trusted, { others })).message).toContain(`${NETWORK_OPERATOR} (networkOperator)`);
    const byOtherSupplier = buildUpgradeImage(fieldsOf(image), { forceReplace: false, value: signWith(privateKeyOf(OTHER_SUPPLIER))(image.manufacturerImage) });
    expect(refusal(() => verifyUpgradeImage(parseUpgradeImage(byOtherSupplier), trusted, { others })).code).toBe('UNTRUSTED_SIGNER');
    expect(refusal(() => verifyUpgradeImage(parseUpgradeImage(byOtherSupplier), trusted)).code).toBe('SIGNATURE_INVALID');
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const byStranger = buildUpgradeImage(fieldsOf(image), { forceReplace: false, value: signWith(stranger)(image.manufacturerImage) });
    expect(refusal(() => verifyUpgradeImage(parseUpgradeImage(byStranger), trusted, { others })).code).toBe('SIGNATURE_INVALID');
    expect(refusal(() => verifyUpgradeImage(parseUpgradeImage(esme), new TrustStore())).code).toBe('NO_TRUSTED_SUPPLIER');
    expect(refusal(() => verifyUpgradeImage(parseUpgradeImage(ppmid), trusted)).code).toBe('SIGNATURE_MISSING');
  });

  it('refuses a wrong magic, a header length or total size that lie, and a hardware range upside down, naming field and offset', () => {
    const bad = (edit: (bytes: Buffer) => void): FirmwareError => {
      const bytes = Buffer.from(esme);
      edit(bytes);
      return refusal(() => parseUpgradeImage(bytes));
    };
    expect(bad((b) => b.writeUInt32LE(0x0beef11f, 0))).toMatchObject({ code: 'BAD_MAGIC', offset: 0, field: 'OTA upgrade file identifier' });
    expect(bad((b) => b.writeUInt16LE(0x0200, 4))).toMatchObject({ code: 'BAD_HEADER_VERSION', offset: 4 });
    for (const length of [56, 59, 61, 64, 0xffff]) expect(bad((b) => b.writeUInt16LE(length, 6))).toMatchObject({ code: 'BAD_HEADER_LENGTH', offset: 6 });
    expect(bad((b) => b.writeUInt16LE(0x0008, 8))).toMatchObject({ code: 'BAD_FIELD_CONTROL', offset: 8 });
    // A field control announcing fewer fields than the header length holds is a lie too.
    expect(bad((b) => b.writeUInt16LE(0x0000, 8))).toMatchObject({ code: 'BAD_HEADER_LENGTH', offset: 6 });
    expect(bad((b) => b.writeUInt32LE(362, 52))).toMatchObject({ code: 'TRUNCATED', offset: 361 });
    expect(bad((b) => b.writeUInt32LE(360, 52))).toMatchObject({ code: 'BAD_TOTAL_SIZE', offset: 52, field: 'total image size' });
    expect(bad((b) => b.writeUInt32LE(60, 52))).toMatchObject({ code: 'BAD_TOTAL_SIZE', offset: 52 });
    expect(bad((b) => b.writeUInt16LE(0x1212, 56))).toMatchObject({ code: 'BAD_HARDWARE_RANGE', offset: 56 });
    expect(refusal(() => parseUpgradeImage(Buffer.concat([esme, Buffer.from([0])])))).toMatchObject({ code: 'BAD_TOTAL_SIZE' });
  });

  it('refuses the ESME sample cut short at every length, each time with a typed error at the cut or the field it falls in', () => {
    for (let length = 0; length < esme.length; length++) {
      const error = refusal(() => parseUpgradeImage(esme.subarray(0, length), { signature: 'required' }));
      expect(error.code).toBe('TRUNCATED');
      expect(error.offset).toBeLessThanOrEqual(length);
      expect(error.message).toContain(`ends at ${length} octets`);
      if (length >= 60) expect(error.field).toBe(length >= 295 ? 'upgrade image signature' : 'Manufacturer Image');
    }
  });

  it('refuses an image whose header does not fit the Device: manufacturer, image type, hardware version outside the range', () => {
    const { header } = parseUpgradeImage(esme);
    const device = { manufacturerCode: 0x121d, imageType: 0x0000, hardwareVersion: 0x1200 };
    expect(() => checkTarget(header, device)).not.toThrow();
    expect(() => checkTarget(header, { ...device, hardwareVersion: 0x1111 })).not.toThrow();
    expect(() => checkTarget(header, { ...device, hardwareVersion: 0x1211 })).not.toThrow();
    expect(refusal(() => checkTarget(header, { ...device, hardwareVersion: 0x1110 }))).toMatchObject({ code: 'HARDWARE_VERSION_OUT_OF_RANGE', offset: 56 });
    expect(refusal(() => checkTarget(header, { ...device, hardwareVersion: 0x1212 })).code).toBe('HARDWARE_VERSION_OUT_OF_RANGE');
    expect(refusal(() => checkTarget(header, { ...device, manufacturerCode: 0x1234 }))).toMatchObject({ code: 'WRONG_MANUFACTURER', offset: 10 });
    expect(refusal(() => checkTarget(header, { ...device, imageType: 0x0084 }))).toMatchObject({ code: 'WRONG_IMAGE_TYPE', offset: 12 });
  });

  it('signs an image openssl verifies with the supplier certificate, and the force-replace octet comes out as asked', async () => {
    const image = parseUpgradeImage(esme);
    const packed = await signUpgradeImage({ ...fieldsOf(image), manufacturerImage: Buffer.from('a runtime bundle, say') }, signWith(privateKeyOf(SUPPLIER)), true);
    const parsed = parseUpgradeImage(packed, { signature: 'required' });
    expect(parsed.signature!.forceReplace).toBe(true);
    expect(verifyUpgradeImage(parsed, trusted).eui).toBe(SUPPLIER);
    writeFileSync(join(work, 'mfr.bin'), parsed.manufacturerImage);
    writeFileSync(join(work, 'sig.der'), derSignature(parsed.signature!.value));
    const publicKey = execFileSync('openssl', ['x509', '-in', join(RTDS_KEYSTORE, `${SUPPLIER.toLowerCase()}-ds.pem`), '-pubkey', '-noout']);
    writeFileSync(join(work, 'supplier.pub'), publicKey);
    const verdict = execFileSync('openssl', ['dgst', '-sha256', '-verify', join(work, 'supplier.pub'), '-signature', join(work, 'sig.der'), join(work, 'mfr.bin')]).toString();
    expect(verdict.trim()).toBe('Verified OK');
  });
});

/** r‖s as the DER SEQUENCE { INTEGER r, INTEGER s } openssl reads. */
function derSignature(rs: Buffer): Buffer {
  const integer = (value: Buffer): Buffer => {
    let bytes = value;
    while (bytes.length > 1 && bytes[0] === 0 && bytes[1]! < 0x80) bytes = bytes.subarray(1);
    if (bytes[0]! >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
  };
  const body = Buffer.concat([integer(rs.subarray(0, 32)), integer(rs.subarray(32))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
