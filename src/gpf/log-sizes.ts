/**
 * Every GPF log's size, in one table. Each log is a fixed-size circular buffer like the GSME's own:
 * when full, the oldest entry is overwritten.
 * - 731 days: two years including a leap day. The GCS61 RTDS command asks the GPF for exactly 731
 *   daily consumption samples, and the GSME's daily read logs hold the same two years.
 * - Profile data: 13 months of half-hour values, kept as one entry per UTC day of 48 values
 *   (395 days = 18,960 half-hours), so a 13-month read is 395 entries, not 18,960.
 * - Billing data: 12 snapshots, one a month for a year of monthly billing.
 * - Device Log: the Devices that may talk to the GPF (the GSME, PPMIDs, Type 2 Devices); 16 like
 *   the CHF Device Log, more than a home's HAN holds.
 */
export const GPF_LOG_SIZES = {
  dailyReadLog: { entries: 731, entry: 'one day: the registers at the end of the day' },
  prepaymentDailyReadLog: { entries: 731, entry: 'one day: the prepayment registers at the end of the day' },
  dailyConsumptionLog: { entries: 731, entry: 'one day: the gas used that day' },
  profileDataLog: { entries: 395, entry: 'one UTC day: 48 half-hour consumption values' },
  billingDataLog: { entries: 12, entry: 'one billing snapshot of the registers' },
  deviceLog: { entries: 16, entry: 'one Device (EUI-64 and type)' },
} as const;

export type GpfLogName = keyof typeof GPF_LOG_SIZES;

export const HALF_HOURS_PER_DAY = 48;
