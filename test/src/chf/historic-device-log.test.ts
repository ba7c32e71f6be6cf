import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HISTORIC_DEVICE_LOG_CAPACITY } from '../../../src/chf/historic-device-log.js';
import { eui, installCode, openLog, TempStore } from './helpers.js';

let temp: TempStore;
beforeEach(async () => {
  temp = await TempStore.create();
});
afterEach(async () => {
  await temp.dispose();
});

type Log = Awaited<ReturnType<typeof openLog>>['log'];

async function addJoined(log: Log, n: number, deviceType = 'ESME'): Promise<Buffer> {
  await log.add({ eui64: eui(n), deviceType, installCode: installCode(n) });
  const key = randomBytes(16);
  await log.recordLinkKey(eui(n), key);
  return key;
}

describe('Historic Device Log (CCS02)', () => {
  it('records the EUI and established key of a removed Device, durably, in the same write as the removal', async () => {
    const { log } = await openLog(temp);
    const key = await addJoined(log, 1);
    await expect(log.remove(eui(1))).resolves.toEqual({ removed: true, keptInHistoricLog: true });
    expect(log.has(eui(1))).toBe(false);
    expect(log.historic.get(eui(1))?.tcLinkKey.equals(key)).toBe(true);

    await temp.reopen();
    const { log: again } = await openLog(temp);
    expect(again.has(eui(1))).toBe(false);
    expect(again.historic.list().map((e) => [e.eui64, e.tcLinkKey.toString('hex')])).toEqual([[eui(1), key.toString('hex')]]);
  });

  it('records nothing for a Device that never established a key, nor for an HHT', async () => {
    const { log } = await openLog(temp);
    await log.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) });
    await addJoined(log, 2, 'HHT');
    await expect(log.remove(eui(1))).resolves.toEqual({ removed: true, keptInHistoricLog: false });
    await expect(log.remove(eui(2))).resolves.toEqual({ removed: true, keptInHistoricLog: false });
    expect(log.historic.size).toBe(0);
  });

  it(`holds at most ${HISTORIC_DEVICE_LOG_CAPACITY} entries, overwriting the oldest`, async () => {
    const { log } = await openLog(temp);
    const keys = new Map<string, Buffer>();
    for (let n = 1; n <= HISTORIC_DEVICE_LOG_CAPACITY + 2; n++) {
      keys.set(eui(n), await addJoined(log, n));
      await log.remove(eui(n));
    }
    const kept = log.historic.list();
    expect(kept).toHaveLength(HISTORIC_DEVICE_LOG_CAPACITY);
    expect(kept.map((e) => e.eui64)).toEqual(Array.from({ length: HISTORIC_DEVICE_LOG_CAPACITY }, (_, i) => eui(i + 3)));
    for (const entry of kept) expect(entry.tcLinkKey.equals(keys.get(entry.eui64)!)).toBe(true);

    await temp.reopen();
    const { log: again } = await openLog(temp);
    expect(again.historic.list().map((e) => e.eui64)).toEqual(kept.map((e) => e.eui64));
  });

  it('updates an entry already present in place: new key, same position, no eviction', async () => {
    const { log } = await openLog(temp);
    for (let n = 1; n <= HISTORIC_DEVICE_LOG_CAPACITY; n++) {
      await addJoined(log, n);
      await log.remove(eui(n));
    }
    const before = log.historic.list().map((e) => e.eui64);
    // Device 1 (the oldest) comes back, joins with a new key, and is removed again.
    await log.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) });
    const fresh = randomBytes(16);
    await log.recordLinkKey(eui(1), fresh);
    await log.remove(eui(1));
    const after = log.historic.list();
    expect(after.map((e) => e.eui64)).toEqual(before);
    expect(log.historic.get(eui(1))?.tcLinkKey.equals(fresh)).toBe(true);

    // It is still the oldest, so the next new entry overwrites it.
    await addJoined(log, 40);
    await log.remove(eui(40));
    expect(log.historic.has(eui(1))).toBe(false);
    expect(log.historic.list().at(-1)?.eui64).toBe(eui(40));
  });

  it('moves a historic key back into the Device Log when the Device resumes with it', async () => {
    const { log, changes } = await openLog(temp);
    const key = await addJoined(log, 1);
    await log.remove(eui(1));
    await log.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) });
    changes.length = 0;
    await expect(log.recordLinkKey(eui(1), key)).resolves.toEqual({ changed: true, fromHistoricLog: true });
    expect(log.historic.has(eui(1))).toBe(false);
    expect(log.get(eui(1))?.tcLinkKey?.equals(key)).toBe(true);
    expect(changes.map((c) => c.kind)).toEqual(['linkKeyChanged']);
    await temp.reopen();
    const { log: again } = await openLog(temp);
    expect(again.historic.has(eui(1))).toBe(false);
    expect(again.get(eui(1))?.tcLinkKey?.equals(key)).toBe(true);
  });
});
