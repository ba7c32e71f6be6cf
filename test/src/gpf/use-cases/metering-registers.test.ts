import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeDateTime } from '../../../../src/gbcs/index.js';
import { readingDateTime } from '../../../../src/gpf/use-cases/gbz-answers.js';
import { attributeRecord, GSME_METERING_FORMAT, READABLE_BY, toRaw } from '../../../../src/gpf/use-cases/metering-registers.js';
import type { GasRegisters } from '../../../../src/gpf/index.js';

const REGISTERS: GasRegisters = { at: 0, consumption: 12.345, blockCounters: [0, 0.001], touRegisters: [1, 2, 3, 4] };

describe('the Metering attributes the GPF serves', () => {
  it('reports registers in the GSME format (litres) and the format itself', () => {
    expect(attributeRecord(0x0000, REGISTERS, READABLE_BY.GCS13a)).toEqual({ attributeId: 0x0000, status: 0, dataType: 0x25, value: 12345 });
    expect(attributeRecord(0x0302, REGISTERS, READABLE_BY.GCS13a)).toEqual({ attributeId: 0x0302, status: 0, dataType: 0x22, value: GSME_METERING_FORMAT.divisor });
    expect(attributeRecord(0x0300, REGISTERS, READABLE_BY.GCS13b)).toEqual({ attributeId: 0x0300, status: 0, dataType: 0x30, value: 1 });
    expect(attributeRecord(0x0106, REGISTERS, READABLE_BY.GCS13c)).toEqual({ attributeId: 0x0106, status: 0, dataType: 0x25, value: 4000 });
  });

  it('answers unsupported for an attribute the use case may not read, an unknown one, or a register the copy lacks', () => {
    expect(attributeRecord(0x0700, REGISTERS, READABLE_BY.GCS13a).status).toBe(0x86);
    expect(attributeRecord(0x0000, REGISTERS, READABLE_BY.GCS13c).status).toBe(0x86);
    expect(attributeRecord(0x1234, REGISTERS, READABLE_BY.GCS13a).status).toBe(0x86);
    expect(attributeRecord(0x0702, REGISTERS, READABLE_BY.GCS13b).status).toBe(0x86);
  });

  it('any register value is reported exactly to the litre, or as an invalid value when 48 bits cannot hold it', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e15, noNaN: true }), (consumption) => {
        const record = attributeRecord(0x0000, { ...REGISTERS, consumption }, READABLE_BY.GCS13a);
        if (record.status === 0) {
          expect(record.value).toBe(toRaw(consumption));
          expect(Math.abs((record.value as number) / 1000 - consumption)).toBeLessThanOrEqual(0.0005 + consumption * 1e-12);
        } else {
          expect(record).toEqual({ attributeId: 0, status: 0x87 });
          expect(toRaw(consumption)).toBeGreaterThan(2 ** 48 - 1);
        }
      }),
    );
  });

  it('dates a reading with the clock that stamped it: 0x00 the GPF, 0x04 the GSME', () => {
    const at = Date.UTC(2015, 0, 1, 9, 30, 5);
    expect(readingDateTime(at).toString('hex')).toBe('07df0101ff091e0500800000');
    expect(decodeDateTime(readingDateTime(at, 'gsme')).clockStatus).toBe(0x04);
  });
});
