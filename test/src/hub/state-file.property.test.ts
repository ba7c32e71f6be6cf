import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeedError } from '../../../src/hub/seed.js';
import { parseStateFile } from '../../../src/hub/seed-schema.js';

/** The state file `hub gbcs process --state` reads: any value is either a state or one typed error naming the fields. */
describe('state files', () => {
  it('accept a full state and refuse each wrong field by its key path', () => {
    const state = {
      now: '2015-01-01T00:00:00Z',
      extendedPanId: '0001020304050607',
      identity: { chf: '00DB1234567890A2' },
      counters: { own: 3999, parties: { '90B3D51F30000002': '1299' } },
      devices: [{ eui64: '00DB1234567890A0', deviceType: 'ESME', installCode: '0011', lastCommunication: '2014-12-31T23:50:00Z' }],
      events: [{ at: '2015-01-01T00:00:00Z', code: 0x8154, messageCode: 0x9b }],
    };
    expect(parseStateFile(state, 'state.yaml')).toBe(state);
    expect(() => parseStateFile({ ...state, devices: [{ eui64: 'x', deviceType: 'ESME' }] }, 'f')).toThrow(/devices\[0\]\.eui64/);
    expect(() => parseStateFile({ ...state, surprise: 1 }, 'f')).toThrow(/surprise is not a known state field/);
    expect(() => parseStateFile({ devices: 'none' }, 'f')).toThrow(SeedError);
    expect(() => parseStateFile([], 'f')).toThrow(SeedError);
  });

  it('never fails with anything but a SeedError, whatever the file holds (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.constantFrom('now', 'devices', 'events', 'counters', 'linkStatistics', 'identity', 'extendedPanId'), fc.jsonValue()), (any, shaped) => {
        for (const value of [any, shaped]) {
          try {
            parseStateFile(value, 'f');
          } catch (error) {
            expect(error).toBeInstanceOf(SeedError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
