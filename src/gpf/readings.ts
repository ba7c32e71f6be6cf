import { GpfError } from './errors.js';

/**
 * What the gas meter pushes to the GPF, and what the GPF keeps. Consumption values are in the
 * meter's unit of measure (m³ for a GSME); money values are in the meter's currency minor unit
 * (pence). Every value here is personal data and lives only in encrypted domains.
 */
export const MAX_TARIFF_REGISTERS = 4;

export interface PrepaymentRegisters {
  /** Meter balance (GCS60); negative once credit is exhausted. */
  meterBalance: number;
  emergencyCreditBalance: number;
  accumulatedDebt: number;
  paymentDebt: number;
  /** Time debt registers 1 and 2. */
  timeDebts: number[];
  /** The Metering cluster's bill to date (GCS60a), where the meter reported one. */
  billToDate?: number;
}

/** The registers GCS13a/b/c and GCS14/GCS60 read from the GPF's copy. */
export interface GasRegisters {
  /** UTC ms the meter took them. */
  at: number;
  /**
   * Whose clock `at` comes from: the GPF's (it stamped the reading on arrival) or the GSME's own.
   * GPF read responses say which in their date-time's clock status. Default: the GPF's.
   */
  timeSource?: 'gpf' | 'gsme';
  /** The cumulative consumption register. */
  consumption: number;
  /** Tariff block counters (GCS13b), at most 4. */
  blockCounters: number[];
  /** Time-of-use registers (GCS13c), at most 4. */
  touRegisters: number[];
  prepayment?: PrepaymentRegisters;
}

/** A daily read log entry (GCS16a): the registers as they stood at the end of `day`. */
export interface DailyRead {
  day: string;
  at: number;
  consumption: number;
  blockCounters: number[];
  touRegisters: number[];
}

/** A prepayment daily read log entry (GCS16b). */
export interface PrepaymentDailyRead extends PrepaymentRegisters {
  day: string;
  at: number;
}

/** A daily consumption log entry (GCS61): the gas used during `day`. */
export interface DailyConsumption {
  day: string;
  consumption: number;
}

/** One half-hour of the profile data log. */
export interface ProfileInterval {
  /** UTC ms the half-hour starts. */
  start: number;
  consumption: number;
}

/** A billing data log entry (GCS15b/c): the registers at a billing point. */
export interface BillingSnapshot {
  at: number;
  consumption: number;
  blockCounters: number[];
  touRegisters: number[];
  prepayment?: PrepaymentRegisters;
}

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function finite(value: unknown, where: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new GpfError('GPF_BAD_VALUE', 'must be a finite number', { where });
}

function nonNegative(value: unknown, where: string): void {
  finite(value, where);
  if ((value as number) < 0) throw new GpfError('GPF_BAD_VALUE', 'must not be negative', { where });
}

function registerList(value: unknown, where: string, length = MAX_TARIFF_REGISTERS): void {
  if (!Array.isArray(value) || value.length > length) throw new GpfError('GPF_BAD_VALUE', `must be a list of at most ${length} numbers`, { where });
  value.forEach((item, i) => nonNegative(item, `${where}[${i}]`));
}

export function checkTime(value: unknown, where: string): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new GpfError('GPF_BAD_VALUE', 'must be a UTC time in ms', { where });
}

export function checkPrepayment(value: unknown, where: string): void {
  if (!isObject(value)) throw new GpfError('GPF_BAD_VALUE', 'must be an object', { where });
  finite(value['meterBalance'], `${where}.meterBalance`);
  // The meter reports emergency credit below zero once it is overdrawn (the RTDS GCS16b snapshot has -64).
  finite(value['emergencyCreditBalance'], `${where}.emergencyCreditBalance`);
  for (const field of ['accumulatedDebt', 'paymentDebt']) nonNegative(value[field], `${where}.${field}`);
  registerList(value['timeDebts'], `${where}.timeDebts`, 2);
  if (value['billToDate'] !== undefined) nonNegative(value['billToDate'], `${where}.billToDate`);
}

/** Registers (a reading or a billing snapshot): throws a GpfError naming the first bad field. */
export function checkRegisters(value: unknown, where: string): void {
  if (!isObject(value)) throw new GpfError('GPF_BAD_VALUE', 'must be an object', { where });
  checkTime(value['at'], `${where}.at`);
  if (value['timeSource'] !== undefined && value['timeSource'] !== 'gpf' && value['timeSource'] !== 'gsme') {
    throw new GpfError('GPF_BAD_VALUE', 'must be gpf or gsme', { where: `${where}.timeSource` });
  }
  nonNegative(value['consumption'], `${where}.consumption`);
  registerList(value['blockCounters'], `${where}.blockCounters`);
  registerList(value['touRegisters'], `${where}.touRegisters`);
  if (value['prepayment'] !== undefined) checkPrepayment(value['prepayment'], `${where}.prepayment`);
}

/** A guard for stored values: the checks above, as a boolean. */
export function passes(check: (value: unknown, where: string) => void): (value: unknown) => boolean {
  return (value) => {
    try {
      check(value, 'stored');
      return true;
    } catch {
      return false;
    }
  };
}
