import type { ManualClock } from '../../hal/clock.js';
import { GasProxyData, GpfDeviceLog, type GasRegisters, type PrepaymentDailyRead } from '../../src/gpf/index.js';
import type { RemotePartyRole } from '../../src/security/certificates.js';
import type { Store } from '../../src/store/index.js';
import type { HarnessOptions } from './harness.js';

/**
 * The GPF's state each RTDS command to the GPF implies, as data, keyed by `<use case>_<outcome>`:
 * the gas meter's registers and logs as the GPF last copied them, and its Device Log.
 */
export interface GpfSeed {
  reading?: GasRegisters;
  dailyConsumption?: Array<{ day: string; consumption: number }>;
  prepaymentDailyReads?: PrepaymentDailyRead[];
  deviceLog?: Array<{ eui64: string; deviceType: 'GSME' | 'PPMID' | 'Type2' }>;
  /** The hub's own counter before the command (alerts and unknown remote parties' answers take the next). */
  ownCounter?: number;
}

export const RTDS_NOW = Date.UTC(2015, 0, 1);

/** The registers the RTDS GCS13a/b/c responses report (litres, with divisor 1000): consumption 12345, blocks 0..3, tiers 1000..4000. */
const reading = (timeSource: 'gpf' | 'gsme'): GasRegisters => ({
  at: RTDS_NOW,
  timeSource,
  consumption: 12.345,
  blockCounters: [0, 0.001, 0.002, 0.003],
  touRegisters: [1, 2, 3, 4],
  // The RTDS GCS14 money (1/1000 penny on the wire): credit and debt £25, emergency credit £5, each debt register 5 units.
  prepayment: { meterBalance: 2500, emergencyCreditBalance: 500, accumulatedDebt: 2500, paymentDebt: 5, timeDebts: [5, 5] },
});

const withBillToDate = (registers: GasRegisters, pence: number): GasRegisters => ({ ...registers, prepayment: { ...registers.prepayment!, billToDate: pence } });

/** Eleven days of consumption from 2014-12-22, as the RTDS GCS61 response samples them (litres). */
const DAILY = [48714, 17550, 49289, 2911, 58750, 13734, 49214, 11786, 42749, 46370, 5360].map((litres, i) => ({
  day: new Date(Date.UTC(2014, 11, 22 + i)).toISOString().slice(0, 10),
  consumption: litres / 1000,
}));

/** Two days of prepayment reads in the window the RTDS GCS16b asks about (money in pence; 1/1000 penny on the wire). */
export const PREPAYMENT_READS: PrepaymentDailyRead[] = [
  { day: '2014-12-30', at: Date.UTC(2014, 11, 30, 9), accumulatedDebt: 0.13, timeDebts: [0.121, 0.223], paymentDebt: 0.202, emergencyCreditBalance: 0.05, meterBalance: 0.066 },
  { day: '2014-12-31', at: Date.UTC(2014, 11, 31, 9), accumulatedDebt: 0.079, timeDebts: [0.017, 0.171], paymentDebt: 0.069, emergencyCreditBalance: -0.064, meterBalance: -0.181 },
];

export const GPF_SEEDS: Readonly<Record<string, GpfSeed>> = {
  GCS09_SUCCESS: {},
  GCS13a_SUCCESS_RELIABLE_GPF: { reading: reading('gpf') },
  GCS13a_SUCCESS_RELIABLE_GSME: { reading: reading('gsme') },
  GCS13b_SUCCESS_RELIABLE_GPF: { reading: reading('gpf') },
  GCS13b_SUCCESS_RELIABLE_GSME: { reading: reading('gsme') },
  GCS13c_SUCCESS_RELIABLE_GPF: { reading: reading('gpf') },
  GCS13c_SUCCESS_RELIABLE_GSME: { reading: reading('gsme') },
  GCS14_SUCCESS_RELIABLE_GPF: { reading: reading('gpf') },
  GCS14_SUCCESS_RELIABLE_GSME: { reading: reading('gsme') },
  GCS61_SUCCESS: { dailyConsumption: DAILY },
  GCS61_NOT_FOUND: { dailyConsumption: DAILY },
  GCS59_SUCCESS: {},
  // The meter balance as GCS14's, and a bill to date of £35.
  GCS60a_SUCCESS_RELIABLE_GPF: { reading: withBillToDate(reading('gpf'), 3500) },
  GCS60a_SUCCESS_RELIABLE_GSME: { reading: withBillToDate(reading('gsme'), 3500) },
  // An unknown remote party: its answer carries the GPF's next own counter, 0x7D0.
  GCS16b_URP_SUCCESS: { prepaymentDailyReads: PREPAYMENT_READS, ownCounter: 0x7cf },
};

/** The harness options that give the GPF `seed` (the harness's `extras.gpf` holds the GPF's state modules). */
export function gpfState(seed: GpfSeed): HarnessOptions {
  return {
    ...(seed.ownCounter === undefined ? {} : { seed: { counters: { own: seed.ownCounter } } }),
    extras: async (store: Store, clock: ManualClock) => {
      const gpf = { data: await GasProxyData.open(store), deviceLog: await GpfDeviceLog.open(store) };
      if (seed.reading) await gpf.data.recordReading(seed.reading);
      if (seed.dailyConsumption) await gpf.data.recordDailyConsumption(seed.dailyConsumption);
      for (const read of seed.prepaymentDailyReads ?? []) await gpf.data.recordPrepaymentDailyRead(read);
      for (const entry of seed.deviceLog ?? []) await gpf.deviceLog.add({ eui64: entry.eui64, deviceType: entry.deviceType });
      clock.set(RTDS_NOW);
      return { gpf };
    },
  };
}

const ACB = '90B3D51F30000002';

/**
 * A GPF not yet handed over: the Access Control Broker's certificates sit in `role`'s cells, and no
 * certificate of that role's own parties is trusted, so the party's first CS02b, signed by the ACB,
 * replaces the ACB's there (RTDS 6.21 handovers).
 */
const beforeHandover = (role: RemotePartyRole): HarnessOptions => ({
  ...gpfState({}),
  trust: (credential) => credential.role !== role,
  cells: { [ACB]: [role] },
});

/** Every GPF vector's state as harness options. */
export const GPF_STATES: Readonly<Record<string, HarnessOptions>> = {
  ...Object.fromEntries(Object.entries(GPF_SEEDS).map(([key, seed]) => [key, gpfState(seed)])),
  CS02bNOByNOHandover_SUCCESS: beforeHandover('networkOperator'),
  CS02bSupplierBySupplierHandover_SUCCESS: beforeHandover('supplier'),
};
