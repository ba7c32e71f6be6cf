import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { airtimeMicros, budgetMicros } from '../../../src/subghz/airtime.js';
import { DEFAULT_CONFIGURATION } from '../../../src/subghz/configuration.js';
import { DUTY_CYCLE_WINDOW_MS } from '../../../src/subghz/constants.js';
import { ESME, Fixture, GSME } from './helpers.js';

const HOUR = DUTY_CYCLE_WINDOW_MS;
const MINUTE = 60_000;
const DEVICES = [ESME, GSME];
const COMMAND = { messageCode: 0x0062, originatorCounter: 1n };

/**
 * The same promise as the accounting's own property, seen from outside on a real store with time
 * moving through the clock (so pauses end by timer): whenever a Device's last hour holds its limit
 * or more, a DBCH06 for it was raised within that hour and commands for it are discarded.
 */
describe('the Sub GHz state, for any traffic', () => {
  it('never leaves a Device over its limit without a DBCH06 in the same hour, and discards its commands meanwhile', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ wait: fc.integer({ min: 0, max: 25 * MINUTE }), device: fc.integer({ min: 0, max: 1 }), octets: fc.integer({ min: 500, max: 2047 }) }), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 3 }),
        async (steps, limit) => {
          const fx = await Fixture.create();
          try {
            await fx.state.setConfiguration({ ...DEFAULT_CONFIGURATION, settings: { ...DEFAULT_CONFIGURATION.settings, deviceDutyCycleLimit: limit, suspendPeriod: 1 } });
            const sent: Array<{ eui64: string; at: number; micros: number }> = [];
            for (const step of steps) {
              await fx.clock.advance(step.wait);
              const eui64 = DEVICES[step.device]!;
              await fx.state.deviceTransmitted(eui64, step.octets);
              const now = fx.clock.now();
              sent.push({ eui64, at: now, micros: airtimeMicros(step.octets) });
              for (const device of DEVICES) {
                const used = sent.filter((e) => e.eui64 === device && e.at > now - HOUR).reduce((sum, e) => sum + e.micros, 0);
                if (used < budgetMicros(limit, HOUR)) continue;
                const raised = fx.seen('dutyCycleActionTaken').filter((e) => e.eui64 === device).map((e) => e.at);
                expect(Math.max(...raised)).toBeGreaterThan(now - HOUR);
                expect(fx.state.admitCommand(device, COMMAND)).toBe(false);
              }
            }
          } finally {
            await fx.dispose();
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
