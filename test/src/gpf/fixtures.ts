import type { GasProxyData, GasRegisters } from '../../../src/gpf/index.js';

export const DAY = 24 * 3600 * 1000;
export const prepayment = { meterBalance: 1250, emergencyCreditBalance: 500, accumulatedDebt: 0, paymentDebt: 300, timeDebts: [10, 0] };
export const registersAt = (at: number, consumption = 100): GasRegisters => ({ at, consumption, blockCounters: [1, 2], touRegisters: [3, 4, 5, 6], prepayment });
const key = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * `days` days of everything the GPF keeps from the UTC day `first` on: each day's snapshots taken a
 * second before its end, two profile half-hours (its first and last), and the latest registers an
 * hour into the last day. Day i holds the value i.
 */
export async function fillDays(gpf: GasProxyData, first: number, days = 10): Promise<void> {
  for (let i = 0; i < days; i++) {
    const dayStart = first + i * DAY;
    const endOfDay = dayStart + DAY - 1000;
    await gpf.recordDailyRead({ day: key(dayStart), ...registersAt(endOfDay, i) });
    await gpf.recordPrepaymentDailyRead({ day: key(dayStart), at: endOfDay, ...prepayment });
    await gpf.recordDailyConsumption([{ day: key(dayStart), consumption: i }]);
    await gpf.recordProfileData([{ start: dayStart, consumption: i }, { start: dayStart + 23.5 * 3600_000, consumption: i }]);
    await gpf.recordBillingSnapshot(registersAt(endOfDay, i));
  }
  await gpf.recordReading(registersAt(first + (days - 1) * DAY + 3600_000, days - 1));
}
