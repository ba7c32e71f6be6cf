import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../../../src/gbcs/payload/index.js';
import { decodeSnapshotRequest, snapshotBytes } from '../../../../src/gpf/use-cases/gcs16b-read-prepayment-daily-read-log.js';

describe('GCS16b: Get Prepay Snapshot in, Publish Prepay Snapshot out', () => {
  it('reads any 13 octets as the four little-endian fields, and refuses any other length with a PayloadError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 13, maxLength: 13 }), (raw) => {
        const bytes = Buffer.from(raw);
        const request = decodeSnapshotRequest(bytes);
        const again = Buffer.alloc(13);
        again.writeUInt32LE(request.earliestStartTime, 0);
        again.writeUInt32LE(request.latestEndTime, 4);
        again[8] = request.snapshotOffset;
        again.writeUInt32LE(request.snapshotCause, 9);
        expect(again).toEqual(bytes);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }).filter((raw) => raw.length !== 13), (raw) => {
        expect(() => decodeSnapshotRequest(Buffer.from(raw))).toThrow(PayloadError);
      }),
    );
  });

  it('writes a snapshot as 40 octets: money in 1/1000 penny, signed where credit can go below zero', () => {
    const bytes = snapshotBytes(
      { day: '2015-01-01', at: Date.UTC(2015, 0, 1), accumulatedDebt: 1, timeDebts: [2], paymentDebt: 3, emergencyCreditBalance: -4, meterBalance: -5.5 },
      2,
      31,
      1,
    );
    expect(bytes).toHaveLength(40);
    expect(bytes.readUInt32LE(0)).toBe(2);
    expect(bytes.readUInt32LE(4)).toBe(473385600);
    expect([...bytes.subarray(8, 11)]).toEqual([31, 0, 1]);
    expect([bytes.readInt32LE(16), bytes.readUInt32LE(20), bytes.readUInt32LE(24), bytes.readUInt32LE(28), bytes.readInt32LE(32), bytes.readInt32LE(36)]).toEqual([1000, 2000, 0, 3000, -4000, -5500]);
  });
});
