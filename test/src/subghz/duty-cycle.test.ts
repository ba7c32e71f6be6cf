import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { airtimeMicros, budgetMicros } from '../../../src/subghz/airtime.js';
import { DUTY_CYCLE_WINDOW_MS } from '../../../src/subghz/constants.js';
import { DUTY_CYCLE_LEVELS, DutyCycleManager, type DutyCycleDecision, type DutyCycleLimits } from '../../../src/subghz/duty-cycle.js';

const HOUR = DUTY_CYCLE_WINDOW_MS;
const MINUTE = 60_000;
const DEVICES = ['00DB1234567890A0', '00DB1234567890A1', '00DB1234567890A4', '00DB1234567890A5'];
/** 0.01 % of an hour is 360 ms: a little over two of the largest frames. */
const TIGHT: DutyCycleLimits = { normalLimited: 2, limitedCritical: 4, regulated: 6, device: 1, suspendMs: 5 * MINUTE };

describe('airtime', () => {
  it('counts PHY octets on top of the frame at 100 kbit/s, in whole microseconds', () => {
    expect(airtimeMicros(1)).toBe((1 + 8) * 80);
    expect(airtimeMicros(2047)).toBe((2047 + 8) * 80);
    expect(budgetMicros(100, HOUR)).toBe(36_000_000);
    for (const bad of [0, -1, 2048, 1.5, Number.NaN]) expect(() => airtimeMicros(bad)).toThrow(expect.objectContaining({ code: 'SUB_GHZ_FRAME_INVALID' }));
  });
});

describe('per-Device duty cycle', () => {
  const big = airtimeMicros(2047);

  it('pauses a Device the moment its hour reaches the limit, and not before', () => {
    const meter = new DutyCycleManager(TIGHT);
    const start = Date.UTC(2026, 0, 1);
    expect(meter.deviceTransmitted(DEVICES[0]!, big, start)).toEqual([]);
    expect(meter.deviceTransmitted(DEVICES[0]!, big, start + 1000)).toEqual([]);
    const [decision] = meter.deviceTransmitted(DEVICES[0]!, big, start + 2000);
    expect(decision).toEqual({ kind: 'paused', pause: { eui64: DEVICES[0], since: start + 2000, until: start + HOUR, cause: 'deviceLimit' } });
    expect(meter.isPaused(DEVICES[0]!, start + 2000)).toBe(true);
    expect(meter.isPaused(DEVICES[1]!, start + 2000)).toBe(false);
  });

  it('keeps the pause past the suspension while the hour still holds too much, and resumes once it does not', () => {
    const meter = new DutyCycleManager(TIGHT);
    const start = 0;
    for (let i = 0; i < 3; i++) meter.deviceTransmitted(DEVICES[0]!, big, start + i * MINUTE);
    // The suspension (5 min) ends long before the frame at minute 0 leaves the hour at minute 60.
    expect(meter.pauseOf(DEVICES[0]!)).toMatchObject({ since: start + 2 * MINUTE, until: start + HOUR });
    expect(meter.tick(start + 10 * MINUTE)).toEqual([]);
    expect(meter.isPaused(DEVICES[0]!, start + HOUR - 1)).toBe(true);
    expect(meter.tick(start + HOUR)).toEqual([{ kind: 'resumed', eui64: DEVICES[0], at: start + HOUR }]);
    expect(meter.isPaused(DEVICES[0]!, start + HOUR)).toBe(false);
  });

  it('pauses afresh, as a new action to report, a Device whose own frames during its pause still hold its hour over the limit when the pause ends', () => {
    const meter = new DutyCycleManager(TIGHT);
    for (let i = 0; i < 3; i++) meter.deviceTransmitted(DEVICES[0]!, big, i * 1000);
    expect(meter.pauseOf(DEVICES[0]!)).toMatchObject({ since: 2000, until: HOUR });
    // Paused, it talks on: nothing new is decided while the pause runs…
    for (let i = 0; i < 3; i++) expect(meter.deviceTransmitted(DEVICES[0]!, big, 10 * MINUTE + i * 1000)).toEqual([]);
    // …but when it was due to end, those frames still hold the hour over the limit.
    expect(meter.tick(HOUR + 2000)).toEqual([
      { kind: 'paused', pause: { eui64: DEVICES[0], since: HOUR + 2000, until: 10 * MINUTE + HOUR, cause: 'deviceLimit' } },
    ]);
    expect(meter.tick(10 * MINUTE + HOUR)).toEqual([{ kind: 'resumed', eui64: DEVICES[0], at: 10 * MINUTE + HOUR }]);
  });
});

describe("the hub's own duty cycle", () => {
  const big = airtimeMicros(2047);

  it('enters Limited by pausing the most talkative Device, Critical by pausing all, and steps down one boundary at a time', () => {
    const limits: DutyCycleLimits = { ...TIGHT, device: 100 };
    const meter = new DutyCycleManager(limits);
    meter.addDevice(DEVICES[2]!);
    meter.deviceTransmitted(DEVICES[0]!, 100, 0);
    meter.deviceTransmitted(DEVICES[1]!, 5000, 0);
    const decisions: DutyCycleDecision[] = [];
    for (let i = 0; i < 20 && meter.level !== 'regulated'; i++) decisions.push(...meter.hubTransmitted(big, i * 1000));
    const kinds = decisions.map((d) => (d.kind === 'paused' ? `paused ${d.pause.eui64} ${d.pause.cause}` : d.kind === 'levelChanged' ? `${d.from}->${d.to}` : d.kind));
    expect(kinds).toEqual([
      'normal->limited', `paused ${DEVICES[1]} limited`,
      'limited->critical', `paused ${DEVICES[2]} critical`, `paused ${DEVICES[0]} critical`,
      'critical->regulated',
    ]);
    expect(meter.mayHubTransmit(big, 20_000)).toBe(false);
    const fall = meter.tick(HOUR + 20_000).filter((d) => d.kind === 'levelChanged');
    expect(fall.map((d) => d.kind === 'levelChanged' && `${d.from}->${d.to}`)).toEqual(['regulated->critical', 'critical->limited', 'limited->normal']);
    expect(meter.mayHubTransmit(big, HOUR + 20_000)).toBe(true);
  });

  it('pauses again a Device that speaks while the hub is still Critical', () => {
    const meter = new DutyCycleManager({ ...TIGHT, device: 100, suspendMs: MINUTE });
    meter.addDevice(DEVICES[0]!);
    for (let i = 0; i < 9; i++) meter.hubTransmitted(big, i);
    expect(meter.level).toBe('critical');
    meter.tick(2 * MINUTE);
    expect(meter.isPaused(DEVICES[0]!, 2 * MINUTE)).toBe(false);
    const [paused] = meter.deviceTransmitted(DEVICES[0]!, 10, 2 * MINUTE);
    expect(paused).toMatchObject({ kind: 'paused', pause: { cause: 'critical', until: 3 * MINUTE } });
  });
});

type Step = { dt: number; op: 'device'; device: number; octets: number } | { dt: number; op: 'hub'; octets: number } | { dt: number; op: 'tick' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ dt: fc.integer({ min: 0, max: 10 * MINUTE }), op: fc.constant('device' as const), device: fc.integer({ min: 0, max: 3 }), octets: fc.integer({ min: 1, max: 2047 }) }),
  fc.record({ dt: fc.integer({ min: 0, max: 10 * MINUTE }), op: fc.constant('hub' as const), octets: fc.integer({ min: 1, max: 2047 }) }),
  fc.record({ dt: fc.integer({ min: 0, max: 30 * MINUTE }), op: fc.constant('tick' as const) }),
);

describe('duty-cycle accounting, for any traffic', () => {
  it('never lets a Device hold more than its limit in any hour without being paused by a pause made within that hour', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 10 }), (steps, device, suspendMinutes) => {
        const limits = { ...TIGHT, device, suspendMs: suspendMinutes * MINUTE };
        const meter = new DutyCycleManager(limits);
        const sent: Array<{ eui64: string; at: number; micros: number }> = [];
        const lastPause = new Map<string, number>();
        let now = 0;
        for (const s of steps) {
          now += s.dt;
          let decisions: DutyCycleDecision[];
          if (s.op === 'device') {
            const micros = airtimeMicros(s.octets);
            sent.push({ eui64: DEVICES[s.device]!, at: now, micros });
            decisions = meter.deviceTransmitted(DEVICES[s.device]!, micros, now);
          } else if (s.op === 'hub') {
            decisions = meter.hubTransmitted(airtimeMicros(s.octets), now);
          } else {
            decisions = meter.tick(now);
          }
          for (const d of decisions) if (d.kind === 'paused') lastPause.set(d.pause.eui64, d.pause.since);
          for (const eui64 of DEVICES) {
            const used = sent.filter((e) => e.eui64 === eui64 && e.at > now - HOUR).reduce((sum, e) => sum + e.micros, 0);
            expect(meter.deviceUsage(eui64, now)).toBe(used);
            if (used >= budgetMicros(device, HOUR)) {
              expect(meter.isPaused(eui64, now)).toBe(true);
              expect(lastPause.get(eui64)).toBeGreaterThan(now - HOUR);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the hub's own hour within the regulated limit when it asks before sending, and its level true to its hour", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 150 }), (steps) => {
        const meter = new DutyCycleManager(TIGHT);
        let now = 0;
        for (const s of steps) {
          now += s.dt;
          if (s.op === 'hub' && meter.mayHubTransmit(airtimeMicros(s.octets), now)) meter.hubTransmitted(airtimeMicros(s.octets), now);
          else meter.tick(now);
          const used = meter.hubUsage(now);
          expect(used).toBeLessThanOrEqual(budgetMicros(TIGHT.regulated, HOUR));
          const expected = used >= budgetMicros(TIGHT.regulated, HOUR) ? 'regulated' : used >= budgetMicros(TIGHT.limitedCritical, HOUR) ? 'critical' : used >= budgetMicros(TIGHT.normalLimited, HOUR) ? 'limited' : 'normal';
          expect(meter.level).toBe(expected);
          expect(DUTY_CYCLE_LEVELS).toContain(meter.level);
        }
      }),
      { numRuns: 300 },
    );
  });
});
