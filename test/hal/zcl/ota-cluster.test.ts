import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Zcl } from 'zigbee-herdsman';
import { decodeZclFrame, encodeZclFrame } from '../../../hal/zcl/frame.js';
import { ZclError } from '../../../hal/zcl/errors.js';
import { decodeOtaCommand, encodeOtaCommand, OTA_CLUSTER_ID, OTA_COMMANDS, OTA_STATUS, type OtaCommandName, type OtaFields } from '../../../hal/zcl/ota-cluster.js';

/**
 * The OTA Upgrade cluster commands against zigbee-herdsman's ZCL codec (the installed
 * devDependency): what we write it reads as the same fields, and what it writes we read back.
 * Its names differ in two places (requestNodeIeeeAddress; dataSize beside data).
 */
const u16 = fc.integer({ min: 0, max: 0xffbf });
// herdsman reads an all-ones integer as ZCL's "no value", so the judge is asked about the rest only.
const u32 = fc.integer({ min: 0, max: 0xfffffffe });
const eui = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((b) => Buffer.from(b).toString('hex').toUpperCase());

const ARBITRARY: Partial<Record<OtaCommandName, fc.Arbitrary<OtaFields>>> = {
  queryNextImageRequest: fc.record({ fieldControl: fc.constantFrom(0, 1), manufacturerCode: u16, imageType: u16, fileVersion: u32, hardwareVersion: u16 }),
  queryNextImageResponse: fc.record({ status: fc.constant(OTA_STATUS.success), manufacturerCode: u16, imageType: u16, fileVersion: u32, imageSize: u32 }),
  imageBlockRequest: fc.record({ fieldControl: fc.constantFrom(0, 1), manufacturerCode: u16, imageType: u16, fileVersion: u32, fileOffset: u32, maximumDataSize: fc.integer({ min: 0, max: 0xfe }), requestNodeAddress: eui }),
  imageBlockResponse: fc.record({ status: fc.constant(OTA_STATUS.success), manufacturerCode: u16, imageType: u16, fileVersion: u32, fileOffset: u32, data: fc.uint8Array({ maxLength: 63 }).map((b) => Buffer.from(b)) }),
  upgradeEndRequest: fc.record({ status: fc.constantFrom(0, 0x95, 0x96), manufacturerCode: u16, imageType: u16, fileVersion: u32 }),
  upgradeEndResponse: fc.record({ manufacturerCode: u16, imageType: u16, fileVersion: u32, currentTime: u32, upgradeTime: u32 }),
};

/** Our fields as herdsman names and shows them. */
function asHerdsman(name: OtaCommandName, fields: OtaFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(decodeOtaCommand(name, encodeOtaCommand(name, fields)))) {
    if (key === 'requestNodeAddress') out['requestNodeIeeeAddress'] = `0x${String(value).toLowerCase()}`;
    else if (key === 'data') {
      out['dataSize'] = (value as Buffer).length;
      out['data'] = value;
    } else out[key] = value;
  }
  return out;
}

const direction = (name: OtaCommandName) => (OTA_COMMANDS[name].direction === 'clientToServer' ? Zcl.Direction.CLIENT_TO_SERVER : Zcl.Direction.SERVER_TO_CLIENT);

describe('OTA Upgrade cluster commands, judged by zigbee-herdsman', () => {
  for (const [name, arbitrary] of Object.entries(ARBITRARY) as Array<[OtaCommandName, fc.Arbitrary<OtaFields>]>) {
    it(`${name}: herdsman reads what we write, and we read what it writes`, () => {
      fc.assert(
        fc.property(arbitrary, fc.integer({ min: 0, max: 255 }), (fields, sequence) => {
          const ours = encodeZclFrame({ header: { frameType: 'cluster', direction: OTA_COMMANDS[name].direction, disableDefaultResponse: true, sequence, commandId: OTA_COMMANDS[name].id }, payload: encodeOtaCommand(name, fields) });
          const theirs = Zcl.Frame.fromBuffer(OTA_CLUSTER_ID, Zcl.Header.fromBuffer(ours), ours, {});
          expect(theirs.command.name).toBe(name);
          const expected = asHerdsman(name, fields);
          expect(theirs.payload).toEqual(expected);
          const written = Zcl.Frame.create(Zcl.FrameType.SPECIFIC, direction(name), true, undefined, sequence, name, 'genOta', expected, {}).toBuffer();
          expect(written.equals(ours)).toBe(true);
          expect(decodeOtaCommand(name, decodeZclFrame(written).payload)).toEqual(decodeOtaCommand(name, encodeOtaCommand(name, fields)));
        }),
        { numRuns: 200 },
      );
    });
  }

  it('writes WAIT_FOR_DATA and ABORT block responses as the cluster lays them out', () => {
    expect(encodeOtaCommand('imageBlockResponse', { status: OTA_STATUS.abort }).toString('hex')).toBe('95');
    expect(encodeOtaCommand('imageBlockResponse', { status: OTA_STATUS.waitForData, currentTime: 0, requestTime: 10, minimumBlockPeriod: 250 }).toString('hex')).toBe('97000000000a000000fa00');
  });

  it('refuses a short payload naming the field and where, for any cut', () => {
    fc.assert(
      fc.property(ARBITRARY.imageBlockRequest!, fc.nat(), (fields, cut) => {
        const bytes = encodeOtaCommand('imageBlockRequest', fields);
        const short = bytes.subarray(0, cut % bytes.length);
        try {
          decodeOtaCommand('imageBlockRequest', short);
          throw new Error('a short payload was read');
        } catch (error) {
          expect(error).toBeInstanceOf(ZclError);
          expect((error as ZclError).offset).toBeLessThanOrEqual(short.length);
        }
      }),
    );
  });
});
