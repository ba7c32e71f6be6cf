import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { DeviceLog } from '../../../src/chf/device-log.js';
import { dayKey, GasProxyData } from '../../../src/gpf/index.js';
import { createLogger } from '../../../src/logs/process-logger.js';
import { HUB_EVENTS, openHubLogs } from '../../../src/logs/index.js';
import { PERSONAL_DATA } from '../../../src/privacy/personal-data.js';
import { RetentionPolicy, RETENTION_INTERVAL_MS } from '../../../src/security/retention.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { eui, installCode } from '../chf/helpers.js';
import { collect, dataKeyOf, tempDir } from '../store/helpers.js';
import { registersAt } from '../gpf/fixtures.js';

const DAY = 24 * 3600 * 1000;
const HALF_HOUR = 1800_000;
/** A figure planted in every value, to look for in the log lines. */
const PLANTED = 4242.125;

let stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
});

function ageLimitMs(personalClass: 'consumption' | 'tariff' | 'prepayment'): number {
  const retention = PERSONAL_DATA[personalClass].retention;
  if (retention.kind !== 'age') throw new Error(`${personalClass} is not kept by age`);
  return retention.days * DAY;
}

/**
 * A hub's personal and audit state on a real LevelDB, the clock at noon UTC so the cut-off falls
 * inside a day: the GPF holds values one step either side of each class's cut-off and exactly at it.
 */
async function hubState() {
  const now = Date.UTC(2026, 5, 15, 12);
  const clock = new ManualClock(now);
  const store = await openStore({ path: await tempDir('hub-retention-'), secureElement: dataKeyOf() });
  stores.push(store);
  const gpf = await GasProxyData.open(store);
  const deviceLog = await DeviceLog.open(store, { clock });
  const logs = await openHubLogs(store, clock);

  const cutoff = now - ageLimitMs('consumption');
  expect(ageLimitMs('prepayment')).toBe(ageLimitMs('consumption'));
  expect(ageLimitMs('tariff')).toBe(ageLimitMs('consumption'));
  const cutoffDay = Date.parse(`${dayKey(cutoff)}T00:00:00Z`);
  for (const n of [-2, -1, 0, 1, 2]) {
    const start = cutoffDay + n * DAY;
    await gpf.recordDailyConsumption([{ day: dayKey(start), consumption: PLANTED }]);
  }
  // Billing snapshots are keyed by their time: one a millisecond before the cut-off, one at it.
  for (const at of [cutoff - 1, cutoff, cutoff + DAY]) await gpf.recordBillingSnapshot(registersAt(at, PLANTED));
  // Daily reads are keyed by day: the day before the cut-off's, taken a millisecond before it.
  for (const at of [cutoff - DAY - 1, cutoff, cutoff + DAY]) await gpf.recordDailyRead({ day: dayKey(at), ...registersAt(at, PLANTED) });
  for (const at of [cutoff - DAY, cutoff - 1]) await gpf.recordPrepaymentDailyRead({ day: dayKey(at), at, ...registersAt(at).prepayment! });
  await gpf.recordPrepaymentDailyRead({ day: dayKey(cutoff + DAY), at: cutoff + DAY, ...registersAt(cutoff).prepayment! });
  // Profile: the day before the cut-off's, and the cut-off's own day, whose half-hours straddle it.
  await gpf.recordProfileData([cutoffDay - DAY, cutoff - HALF_HOUR, cutoff, cutoff + HALF_HOUR, cutoffDay + DAY].map((start) => ({ start, consumption: PLANTED })));
  await gpf.recordReading(registersAt(cutoff - 1, PLANTED));

  // One Device with its link key and (given again by a later CCS01) an install code; one still joining.
  await deviceLog.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) });
  await deviceLog.recordLinkKey(eui(1), randomBytes(16));
  await deviceLog.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) });
  await deviceLog.add({ eui64: eui(2), deviceType: 'GSME', installCode: installCode(2) });

  // Audit entries far older than any personal-data limit.
  clock.set(cutoff - 400 * DAY);
  await logs.securityLog.record(HUB_EVENTS.failedAuthentication.code, { reason: 'old' });
  await logs.eventLog.record(HUB_EVENTS.deviceJoiningSucceeded.code, {});
  clock.set(now);
  return { clock, store, gpf, deviceLog, logs, cutoff, cutoffDay };
}

function output() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  return { logger: createLogger({ destination: stream, level: 'debug' }), text: () => chunks.join('') };
}

function policyFor(env: Awaited<ReturnType<typeof hubState>>, logger = output().logger): RetentionPolicy {
  return new RetentionPolicy({
    clock: env.clock,
    logger,
    holders: [
      { name: 'gpf', purge: (now) => env.gpf.purgeExpired(now) },
      { name: 'deviceLog', purge: async () => [{ domain: 'deviceLog', entries: await env.deviceLog.dropSpentInstallCodes() }] },
    ],
  });
}

async function audit(store: Store) {
  const out: Record<string, unknown> = {};
  const raw = { name: 'raw', encode: (v: Uint8Array) => v, decode: (b: Uint8Array) => b };
  for (const [name, personal] of [['chfSecurityLog', false], ['chfEventLog', false], ['historicDeviceLog', true]] as const) {
    out[name] = await collect((await store.domain({ name, codec: raw, personal })).entries());
  }
  return out;
}

describe('the retention pass', () => {
  it('deletes exactly what is past each class\'s limit, keeps the rest, is a no-op the second time, and leaves the audit logs alone', async () => {
    const env = await hubState();
    const { gpf, cutoff, cutoffDay, store } = env;
    const auditBefore = await audit(store);
    const log = output();
    const policy = policyFor(env, log.logger);

    const first = await policy.runOnce();
    expect(first.failed).toEqual([]);
    const purged = Object.fromEntries(first.purged.map(({ domain, entries }) => [domain, entries]));
    expect(purged).toEqual({
      gpfRegisters: 1,
      gpfDailyReadLog: 1,
      gpfPrepaymentDailyReadLog: 2,
      gpfDailyConsumptionLog: 3,
      gpfBillingDataLog: 1,
      gpfProfileDataLog: 2, // the day before deleted, the straddling day trimmed
      deviceLog: 1,
    });

    expect(await gpf.readRegisters('supplier')).toBeUndefined();
    expect(at(await gpf.dailyReadLog('supplier'))).toEqual([cutoff, cutoff + DAY]);
    expect(at(await gpf.billingDataLog('supplier'))).toEqual([cutoff, cutoff + DAY]);
    expect(at(await gpf.prepaymentDailyReadLog('supplier'))).toEqual([cutoff + DAY]);
    // The cut-off falls at noon: its day began before it and goes; the next days stay.
    expect((await gpf.dailyConsumptionLog('supplier')).map((entry) => entry.day)).toEqual([1, 2].map((n) => dayKey(cutoffDay + n * DAY)));
    expect((await gpf.profileData('supplier')).map((interval) => interval.start)).toEqual([cutoff, cutoff + HALF_HOUR, cutoffDay + DAY]);
    expect(gpf.counts()).toMatchObject({ profileDataLog: 2, dailyConsumptionLog: 2, dailyReadLog: 2, billingDataLog: 2, prepaymentDailyReadLog: 1 });
    expect(env.deviceLog.get(eui(1))?.installCode).toBeUndefined();
    expect(env.deviceLog.get(eui(1))?.tcLinkKey).toBeDefined();
    expect(env.deviceLog.get(eui(2))?.installCode?.equals(installCode(2))).toBe(true);

    const second = await policy.runOnce();
    expect(second).toEqual({ at: first.at, purged: [], failed: [] });
    expect(await audit(store)).toEqual(auditBefore);
    expect(env.logs.securityLog.count()).toBe(1);
    expect(env.logs.eventLog.count()).toBe(1);

    // Counts in the log, never a value.
    const text = log.text();
    expect(text).toContain('"domain":"gpfProfileDataLog","entries":2');
    expect(text).not.toContain(String(PLANTED));
    expect(text).not.toContain(installCode(1).toString('hex'));
  }, 20_000);

  it('runs once at start and then daily on the hub\'s Clock, until stopped', async () => {
    const env = await hubState();
    const { gpf, cutoff, clock } = env;
    const policy = policyFor(env);
    expect(at(await gpf.dailyReadLog('supplier'))).toEqual([cutoff - DAY - 1, cutoff, cutoff + DAY]);
    expect((await policy.start()).purged.length).toBeGreaterThan(0);
    expect(at(await gpf.dailyReadLog('supplier'))).toEqual([cutoff, cutoff + DAY]);

    // Not before the day is up; then what was exactly at the cut-off is a day past it.
    await clock.advance(RETENTION_INTERVAL_MS - 1);
    await policy.idle();
    expect(at(await gpf.dailyReadLog('supplier'))).toEqual([cutoff, cutoff + DAY]);
    await clock.advance(1);
    await policy.idle();
    expect(at(await gpf.dailyReadLog('supplier'))).toEqual([cutoff + DAY]);

    await policy.stop();
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(3 * RETENTION_INTERVAL_MS);
    expect(at(await gpf.dailyReadLog('supplier'))).toEqual([cutoff + DAY]);
  }, 20_000);

  it('reports a holder that fails, keeps its state, and still runs the others', async () => {
    const env = await hubState();
    const policy = new RetentionPolicy({
      clock: env.clock,
      logger: output().logger,
      holders: [
        { name: 'broken', purge: () => Promise.reject(new Error('disk gone')) },
        { name: 'deviceLog', purge: async () => [{ domain: 'deviceLog', entries: await env.deviceLog.dropSpentInstallCodes() }] },
      ],
    });
    const report = await policy.runOnce();
    expect(report.failed).toEqual(['broken']);
    expect(report.purged).toEqual([{ domain: 'deviceLog', entries: 1 }]);
    expect(() => new RetentionPolicy({ clock: env.clock, logger: output().logger, holders: [], intervalMs: 0 })).toThrow(RangeError);
  });
});

function at(entries: Array<{ at: number }>): number[] {
  return entries.map((entry) => entry.at);
}
