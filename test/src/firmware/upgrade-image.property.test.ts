import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FirmwareError, buildUpgradeImage, parseUpgradeImage, type UpgradeImageFields } from '../../../src/firmware/index.js';

const eui = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((bytes) => Buffer.from(bytes).toString('hex').toUpperCase());
const hardware = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) }));

const fields: fc.Arbitrary<UpgradeImageFields> = fc
  .record({
    manufacturerCode: fc.integer({ min: 0, max: 0xffff }),
    imageType: fc.integer({ min: 0, max: 0xffff }),
    fileVersion: fc.integer({ min: 0, max: 0xffffffff }),
    stackVersion: fc.integer({ min: 0, max: 0xffff }),
    headerString: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes)),
    manufacturerImage: fc.uint8Array({ minLength: 1, maxLength: 400 }).map((bytes) => Buffer.from(bytes)),
    securityCredentialVersion: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
    destination: fc.option(eui, { nil: undefined }),
    hardwareVersions: fc.option(hardware, { nil: undefined }),
  })
  .map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as unknown as UpgradeImageFields);

const signature = fc.option(fc.record({ forceReplace: fc.boolean(), value: fc.uint8Array({ minLength: 64, maxLength: 64 }).map((bytes) => Buffer.from(bytes)) }), { nil: undefined });

/** Any outcome but a FirmwareError with a place inside the input is a parser bug. */
function parsesOrRefuses(bytes: Buffer): void {
  try {
    parseUpgradeImage(bytes, { signature: 'auto' });
  } catch (error) {
    if (!(error instanceof FirmwareError)) throw error;
    expect(error.field.length).toBeGreaterThan(0);
    if (error.offset !== undefined) expect(error.offset).toBeLessThanOrEqual(bytes.length);
  }
}

describe('Upgrade Image parser, for any input', () => {
  it('reads back exactly what was built: header fields, Manufacturer Image, signature', () => {
    fc.assert(
      fc.property(fields, signature, (built, signed) => {
        const bytes = buildUpgradeImage(built, signed);
        const image = parseUpgradeImage(bytes, { signature: signed ? 'required' : 'absent' });
        const { headerVersion: _v, headerLength: _l, fieldControl: _c, totalImageSize, ...header } = image.header;
        expect(totalImageSize).toBe(bytes.length);
        const { manufacturerImage, ...rest } = built;
        expect(header).toEqual(rest);
        expect(image.manufacturerImage.equals(manufacturerImage)).toBe(true);
        if (signed) expect(image.signature).toMatchObject({ forceReplace: signed.forceReplace, value: signed.value });
        else expect(image.signature).toBeUndefined();
        // Left to find the trailer itself, the parser finds every one there is.
        if (signed) expect(parseUpgradeImage(bytes).signature?.value.equals(signed.value)).toBe(true);
      }),
    );
  });

  it('returns or throws a FirmwareError naming a place inside the input, for arbitrary octets', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)), parsesOrRefuses));
  });

  it('does the same for a valid image with octets changed, cut short or added', () => {
    const damage = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('add' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(fields, signature, fc.array(damage, { minLength: 1, maxLength: 4 }), (built, signed, damages) => {
        let bytes = buildUpgradeImage(built, signed);
        for (const { kind, at, value } of damages) {
          const index = at % (bytes.length + 1);
          if (kind === 'set' && index < bytes.length) bytes[index] = value;
          if (kind === 'cut') bytes = bytes.subarray(0, index);
          if (kind === 'add') bytes = Buffer.concat([bytes.subarray(0, index), Buffer.from([value]), bytes.subarray(index)]);
        }
        parsesOrRefuses(bytes);
      }),
    );
  });

  it('refuses every proper prefix of a valid image', () => {
    fc.assert(
      fc.property(fields, signature, fc.nat(), (built, signed, cut) => {
        const bytes = buildUpgradeImage(built, signed);
        const length = cut % bytes.length;
        expect(() => parseUpgradeImage(bytes.subarray(0, length))).toThrow(FirmwareError);
      }),
    );
  });
});
