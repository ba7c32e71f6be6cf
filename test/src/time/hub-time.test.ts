import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { HubTime, TimeError, UNKNOWN_TIME, isUkDst, toZigbeeTime, ukDstPeriod } from '../../../src/time/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { tempDir } from '../store/helpers.js';

const zb = (iso: string) => (Date.parse(iso) - Date.parse('2000-01-01T00:00:00Z')) / 1000;
let stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
});

async function hubTime(clock: ManualClock, options: { trustSystemClock?: boolean; path?: string } = {}) {
  const path = options.path ?? (await tempDir('hub-time-'));
  const store = await openStore({ path });
  stores.push(store);
  return { time: await HubTime.open({ store, clock, trustSystemClock: options.trustSystemClock ?? false }), store, path };
}

describe('UK daylight saving', () => {
  it('runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October', () => {
    expect(ukDstPeriod(2024)).toEqual({ start: Date.parse('2024-03-31T01:00:00Z'), end: Date.parse('2024-10-27T01:00:00Z') });
    expect(ukDstPeriod(2025)).toEqual({ start: Date.parse('2025-03-30T01:00:00Z'), end: Date.parse('2025-10-26T01:00:00Z') });
    expect(ukDstPeriod(2026)).toEqual({ start: Date.parse('2026-03-29T01:00:00Z'), end: Date.parse('2026-10-25T01:00:00Z') });
    expect(isUkDst(Date.parse('2026-03-29T00:59:59.999Z'))).toBe(false);
    expect(isUkDst(Date.parse('2026-03-29T01:00:00Z'))).toBe(true);
    expect(isUkDst(Date.parse('2026-10-25T00:59:59Z'))).toBe(true);
    expect(isUkDst(Date.parse('2026-10-25T01:00:00Z'))).toBe(false);
    expect(isUkDst(Date.parse('2026-01-15T12:00:00Z'))).toBe(false);
  });

  it('converts to ZigBee time (seconds since 2000) and refuses what it cannot carry', () => {
    expect(toZigbeeTime(Date.parse('2000-01-01T00:00:00Z'))).toBe(0);
    expect(toZigbeeTime(Date.parse('2015-01-01T00:00:00Z'))).toBe(0x1c374a80);
    expect(toZigbeeTime(Date.parse('1999-12-31T23:59:59Z'))).toBe(UNKNOWN_TIME);
  });
});

describe('HubTime', () => {
  it('has no time to serve until set when the system clock is not trusted', async () => {
    const { time } = await hubTime(new ManualClock(Date.parse('2026-06-01T12:00:00Z')));
    expect(time.now()).toBeUndefined();
    expect(time.status()).toEqual({ master: false, synchronised: false, masterZoneDst: false, superseding: false });
    const values = time.attributes();
    expect(values).toMatchObject({ time: UNKNOWN_TIME, timeStatus: 0, dstStart: UNKNOWN_TIME, localTime: UNKNOWN_TIME, lastSetTime: UNKNOWN_TIME, validUntilTime: UNKNOWN_TIME });
  });

  it('is master but not synchronised on a trusted system clock or a non-authoritative set; synchronised only after a WAN set, until it expires', async () => {
    const clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
    const { time, path, store } = await hubTime(clock, { trustSystemClock: true });
    expect(time.statusBits()).toBe(0x01 | 0x04);
    expect(time.attributes().time).toBe(zb('2026-06-01T12:00:00Z'));

    await time.setTime(Date.parse('2026-06-01T12:00:30Z'), 'ntp');
    expect(time.statusBits()).toBe(0x05);
    expect(time.attributes().validUntilTime).toBe(UNKNOWN_TIME);

    const sets: unknown[] = [];
    time.on('set', (change) => sets.push(change));
    await time.setTime(Date.parse('2026-06-01T12:01:00Z'), 'wan');
    expect(sets).toEqual([{ previous: Date.parse('2026-06-01T12:00:30Z'), now: Date.parse('2026-06-01T12:01:00Z'), source: 'wan', authoritative: true }]);
    expect(time.status()).toEqual({ master: true, synchronised: true, masterZoneDst: true, superseding: true });
    expect(time.statusBits()).toBe(0x0f);
    await clock.advance(10_000);
    expect(time.attributes()).toMatchObject({
      time: zb('2026-06-01T12:01:10Z'),
      lastSetTime: zb('2026-06-01T12:01:00Z'),
      validUntilTime: zb('2026-06-02T12:01:00Z'),
    });
    // Synchronisation lapses once ValidUntilTime passes without a new WAN set.
    await clock.advance(24 * 3600 * 1000);
    expect(time.statusBits()).toBe(0x05);
    expect(time.attributes().validUntilTime).toBe(UNKNOWN_TIME);

    // A restart keeps when it was last set, but not the synchronisation.
    await store.close();
    stores = [];
    const again = await hubTime(clock, { path });
    expect(again.time.attributes().lastSetTime).toBe(zb('2026-06-01T12:01:00Z'));
    expect(again.time.statusBits()).toBe(0);
  });

  it('refuses a time ZigBee cannot carry and an unknown source, changing nothing', async () => {
    const clock = new ManualClock(Date.parse('2026-06-01T12:00:00Z'));
    const { time } = await hubTime(clock);
    await expect(time.setTime(Date.parse('1999-01-01T00:00:00Z'), 'wan')).rejects.toBeInstanceOf(TimeError);
    await expect(time.setTime(Number.NaN, 'wan')).rejects.toMatchObject({ code: 'TIME_OUT_OF_RANGE' });
    await expect(time.setTime(Date.parse('2026-06-01T12:00:00Z'), 'gps' as never)).rejects.toMatchObject({ code: 'TIME_BAD_SOURCE' });
    expect(time.now()).toBeUndefined();
    expect(time.attributes().lastSetTime).toBe(UNKNOWN_TIME);
  });
});
