import { afterEach, describe, expect, it } from 'vitest';
import { GasProxyData, GPF_LOG_SIZES, GpfError, sameMprn, type Audience, type GasRegisters } from '../../../src/gpf/index.js';
import { openStore, StoreError, type Store } from '../../../src/store/index.js';
import { dataKeyOf, filesUnder, tempDir } from '../store/helpers.js';
import { DAY, fillDays, prepayment, registersAt } from './fixtures.js';

const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const key = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
});

async function gpfAt(path?: string, dataKey = dataKeyOf()) {
  const dir = path ?? (await tempDir('hub-gpf-'));
  const store = await openStore({ path: dir, secureElement: dataKey });
  stores.push(store);
  return { gpf: await GasProxyData.open(store), store, path: dir, dataKey };
}

describe('GPF registers', () => {
  it('keep the newest reading, refuse malformed ones without writing, and serve GCS13/14/60 views', async () => {
    const { gpf } = await gpfAt();
    expect(await gpf.readRegisters('supplier')).toBeUndefined();
    expect(await gpf.recordReading(registersAt(day('2026-02-01'), 100))).toBe(true);
    expect(await gpf.recordReading(registersAt(day('2026-01-31'), 90))).toBe(false);
    expect(await gpf.readRegisters('supplier')).toEqual(registersAt(day('2026-02-01'), 100));
    expect(await gpf.prepaymentRegisters('supplier')).toEqual({ at: day('2026-02-01'), ...prepayment });
    expect(await gpf.meterBalance('supplier')).toEqual({ at: day('2026-02-01'), meterBalance: 1250, emergencyCreditBalance: 500 });

    const bad: unknown[] = [
      { ...registersAt(day('2026-02-02')), consumption: -1 },
      { ...registersAt(day('2026-02-02')), consumption: Number.POSITIVE_INFINITY },
      { ...registersAt(day('2026-02-02')), touRegisters: [1, 2, 3, 4, 5] },
      { ...registersAt(day('2026-02-02')), at: 'yesterday' },
      { ...registersAt(day('2026-02-02')), prepayment: { ...prepayment, paymentDebt: -5 } },
    ];
    for (const reading of bad) await expect(gpf.recordReading(reading as GasRegisters)).rejects.toBeInstanceOf(GpfError);
    const error = await gpf.recordReading({ ...registersAt(day('2026-02-02')), consumption: -12345.678 }).catch((e: unknown) => e as GpfError);
    expect(error).toMatchObject({ code: 'GPF_BAD_VALUE', where: 'reading.consumption' });
    expect((error as Error).message).not.toContain('12345');
    expect(await gpf.readRegisters('supplier')).toEqual(registersAt(day('2026-02-01'), 100));
  });

  it('need a store with a data key, since every GPF value is personal', async () => {
    const store = await openStore({ path: await tempDir('hub-gpf-') });
    stores.push(store);
    await expect(GasProxyData.open(store)).rejects.toMatchObject({ code: 'STORE_NO_DATA_KEY' });
    await expect(GasProxyData.open(store)).rejects.toBeInstanceOf(StoreError);
  });
});

describe('GPF logs', () => {
  it('hold exactly the sizes in GPF_LOG_SIZES, dropping the oldest', async () => {
    const { gpf, path, store, dataKey } = await gpfAt();
    const start = day('2024-01-01');
    const extra = 3;

    const consumptionDays = GPF_LOG_SIZES.dailyConsumptionLog.entries + extra;
    await gpf.recordDailyConsumption(Array.from({ length: consumptionDays }, (_, i) => ({ day: key(start + i * DAY), consumption: i })));
    const daily = await gpf.dailyConsumptionLog('supplier');
    expect(daily).toHaveLength(GPF_LOG_SIZES.dailyConsumptionLog.entries);
    expect(daily[0]).toEqual({ day: key(start + extra * DAY), consumption: extra });
    expect(daily.at(-1)).toEqual({ day: key(start + (consumptionDays - 1) * DAY), consumption: consumptionDays - 1 });

    // A profile push spanning more than 13 months, one interval a day at 12:00, in one call.
    const profileDays = GPF_LOG_SIZES.profileDataLog.entries + extra;
    await gpf.recordProfileData(Array.from({ length: profileDays }, (_, i) => ({ start: start + i * DAY + 12 * 3600_000, consumption: i / 1000 })));
    const profile = await gpf.profileData('supplier');
    expect(profile).toHaveLength(GPF_LOG_SIZES.profileDataLog.entries);
    expect(profile[0]).toEqual({ start: start + extra * DAY + 12 * 3600_000, consumption: extra / 1000 });

    for (let i = 0; i < GPF_LOG_SIZES.billingDataLog.entries + extra; i++) await gpf.recordBillingSnapshot({ ...registersAt(start + i * 30 * DAY), consumption: i });
    const billing = await gpf.billingDataLog('supplier');
    expect(billing.map((b) => b.consumption)).toEqual(Array.from({ length: GPF_LOG_SIZES.billingDataLog.entries }, (_, i) => i + extra));

    const reads = GPF_LOG_SIZES.dailyReadLog.entries + extra;
    for (let i = 0; i < reads; i++) {
      const at = start + (i + 1) * DAY - 1000;
      await gpf.recordDailyRead({ day: key(at), ...registersAt(at, i) });
      await gpf.recordPrepaymentDailyRead({ day: key(at), at, ...prepayment, meterBalance: i });
    }
    expect((await gpf.dailyReadLog('supplier')).map((r) => r.consumption).slice(0, 2)).toEqual([extra, extra + 1]);
    expect((await gpf.prepaymentDailyReadLog('supplier')).at(-1)!.meterBalance).toBe(reads - 1);

    const counts = {
      dailyReadLog: GPF_LOG_SIZES.dailyReadLog.entries,
      prepaymentDailyReadLog: GPF_LOG_SIZES.prepaymentDailyReadLog.entries,
      dailyConsumptionLog: GPF_LOG_SIZES.dailyConsumptionLog.entries,
      profileDataLog: GPF_LOG_SIZES.profileDataLog.entries,
      billingDataLog: GPF_LOG_SIZES.billingDataLog.entries,
    };
    expect(gpf.counts()).toEqual(counts);
    await store.close();
    stores = [];
    const again = await gpfAt(path, dataKey);
    expect(again.gpf.counts()).toEqual(counts);
    // Re-sending a day replaces it without growing the log.
    await again.gpf.recordDailyConsumption([{ day: daily.at(-1)!.day, consumption: 7 }]);
    expect(again.gpf.counts().dailyConsumptionLog).toBe(GPF_LOG_SIZES.dailyConsumptionLog.entries);
    expect((await again.gpf.dailyConsumptionLog('supplier')).at(-1)!.consumption).toBe(7);
  }, 60_000);

  it('keep half-hours in day buckets, merging pushes, and read back by range', async () => {
    const { gpf } = await gpfAt();
    const base = day('2026-03-28');
    const halfHours = Array.from({ length: 96 }, (_, i) => ({ start: base + i * 1800_000, consumption: 0.1 * i }));
    await gpf.recordProfileData(halfHours.filter((_, i) => i % 2 === 0));
    await gpf.recordProfileData(halfHours.filter((_, i) => i % 2 === 1));
    expect(gpf.counts().profileDataLog).toBe(2);
    expect(await gpf.profileData('supplier')).toEqual(halfHours);
    expect(await gpf.profileData('supplier', { from: base + 47 * 1800_000, to: base + 50 * 1800_000 })).toEqual(halfHours.slice(47, 50));
    await expect(gpf.recordProfileData([{ start: base + 60_000, consumption: 1 }])).rejects.toMatchObject({ code: 'GPF_BAD_VALUE' });
    await expect(gpf.recordProfileData([{ start: base, consumption: -1 }])).rejects.toMatchObject({ code: 'GPF_BAD_VALUE' });
    await expect(gpf.recordDailyConsumption([{ day: '2026-02-30', consumption: 1 }])).rejects.toMatchObject({ code: 'GPF_BAD_VALUE' });
    expect(await gpf.profileData('supplier')).toEqual(halfHours);
  });
});

describe('change of tenancy (GCS09)', () => {
  async function populated() {
    const env = await gpfAt();
    await fillDays(env.gpf, day('2026-03-01'));
    return env;
  }

  type Views = Record<string, (gpf: GasProxyData, audience: Audience) => Promise<unknown[]>>;
  const views: Views = {
    dailyReadLog: (gpf, a) => gpf.dailyReadLog(a),
    prepaymentDailyReadLog: (gpf, a) => gpf.prepaymentDailyReadLog(a),
    dailyConsumptionLog: (gpf, a) => gpf.dailyConsumptionLog(a),
    profileData: (gpf, a) => gpf.profileData(a),
    billingDataLog: (gpf, a) => gpf.billingDataLog(a),
    registers: async (gpf, a) => [await gpf.readRegisters(a)].filter(Boolean),
    prepaymentRegisters: async (gpf, a) => [await gpf.prepaymentRegisters(a)].filter(Boolean),
    meterBalance: async (gpf, a) => [await gpf.meterBalance(a)].filter(Boolean),
  };

  it('hides from every householder view what came before the date, and nothing from the supplier', async () => {
    const { gpf, path, store, dataKey } = await populated();
    const supplierBefore: Record<string, unknown[]> = {};
    for (const [name, view] of Object.entries(views)) {
      supplierBefore[name] = await view(gpf, 'supplier');
      // No date set yet: the householder sees what the supplier sees.
      expect(await view(gpf, 'householder'), name).toEqual(supplierBefore[name]);
    }
    const tenancy = day('2026-03-06') + 12 * 3600_000;
    await gpf.setChangeOfTenancy(tenancy);
    expect(await gpf.changeOfTenancy()).toBe(tenancy);

    // Snapshots count from when they were taken (the end of each day), days and intervals from their start.
    const expected: Record<string, number> = {
      dailyReadLog: 5, // taken at the end of 6..10 March
      prepaymentDailyReadLog: 5,
      billingDataLog: 5,
      dailyConsumptionLog: 4, // 7..10 March; 6 March began before the tenancy
      profileData: 9, // 6 March 23:30, then two a day for 7..10 March
      registers: 1,
      prepaymentRegisters: 1,
      meterBalance: 1,
    };
    for (const [name, view] of Object.entries(views)) {
      const householder = await view(gpf, 'householder');
      expect(householder, name).toHaveLength(expected[name]!);
      for (const entry of householder as Array<Record<string, unknown>>) {
        const when = (entry['at'] ?? entry['start'] ?? Date.parse(`${String(entry['day'])}T00:00:00Z`)) as number;
        expect(when, name).toBeGreaterThanOrEqual(tenancy);
      }
      expect(await view(gpf, 'supplier'), name).toEqual(supplierBefore[name]);
    }
    // The view takes the date from the store: it holds after a restart, with no one passing it.
    await store.close();
    stores = [];
    const again = await gpfAt(path, dataKey);
    expect(await again.gpf.dailyConsumptionLog('householder')).toHaveLength(4);
    expect(await again.gpf.dailyConsumptionLog('householder', { from: day('2026-03-01') })).toHaveLength(4);

    // A date in the future hides everything from the householder at once.
    await again.gpf.setChangeOfTenancy(day('2027-01-01'));
    for (const [name, view] of Object.entries(views)) {
      expect(await view(again.gpf, 'householder'), name).toEqual([]);
      expect(await view(again.gpf, 'supplier'), name).toEqual(supplierBefore[name]);
    }
    await expect(again.gpf.dailyReadLog('neighbour' as Audience)).rejects.toMatchObject({ code: 'GPF_BAD_RANGE' });
    await expect(again.gpf.setChangeOfTenancy(-1)).rejects.toMatchObject({ code: 'GPF_BAD_VALUE' });
  }, 30_000);
});

describe('personal data at rest', () => {
  it('leaves no planted MPRN or consumption figure readable in the database files', async () => {
    const { gpf, store, path } = await gpfAt();
    await gpf.setMprn('0007654321');
    await gpf.recordReading({ ...registersAt(day('2026-02-01')), consumption: 12345.678 });
    await gpf.recordDailyConsumption([{ day: '2026-02-01', consumption: 12345.678 }]);
    await gpf.recordProfileData([{ start: day('2026-02-01'), consumption: 12345.678 }]);
    await gpf.recordBillingSnapshot({ ...registersAt(day('2026-02-01')), consumption: 12345.678 });
    expect(await gpf.mprn()).toBe('0007654321');
    await store.close();
    stores = [];
    const files = await filesUnder(path);
    expect(files.length).toBeGreaterThan(2);
    for (const text of ['0007654321', '12345.678', '7654321']) {
      const forms = [Buffer.from(text), Buffer.from(Buffer.from(text).toString('hex')), Buffer.from(Buffer.from(text).toString('base64').replace(/=+$/, ''))];
      for (const file of files) for (const form of forms) expect(file.bytes.includes(form), `${text} in ${file.name}`).toBe(false);
    }
  });

  it('compares MPRNs as integers, as GBCS asks, and refuses what is not one', async () => {
    expect(sameMprn('0007654321', '7654321')).toBe(true);
    expect(sameMprn('0007654321', '7654320')).toBe(false);
    expect(() => sameMprn('76543x1', '1')).toThrow(GpfError);
    const { gpf } = await gpfAt();
    await expect(gpf.setMprn('12 34')).rejects.toMatchObject({ code: 'GPF_BAD_MPRN' });
    expect(await gpf.mprn()).toBeUndefined();
  });
});
