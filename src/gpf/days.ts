import { GpfError } from './errors.js';

/** UTC days as sortable keys ("2026-03-29"), and half-hour slots within them. */
const DAY_MS = 24 * 3600 * 1000;
const HALF_HOUR_MS = 30 * 60 * 1000;
const DAY_KEY = /^\d{4}-\d{2}-\d{2}$/;

export function dayKey(utcMs: number): string {
  return new Date(utcMs).toISOString().slice(0, 10);
}

export function dayStart(key: string): number {
  const ms = Date.parse(`${key}T00:00:00Z`);
  if (!DAY_KEY.test(key) || Number.isNaN(ms) || dayKey(ms) !== key) throw new GpfError('GPF_BAD_VALUE', `"${key}" is not a UTC day (YYYY-MM-DD)`, { where: 'day' });
  return ms;
}

export function isDayKey(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    dayStart(value);
    return true;
  } catch {
    return false;
  }
}

/** The half-hour slot (0..47) an interval starting at `utcMs` fills; refuses starts not on a half-hour. */
export function halfHourSlot(utcMs: number): number {
  if (!Number.isSafeInteger(utcMs) || utcMs % HALF_HOUR_MS !== 0) {
    throw new GpfError('GPF_BAD_VALUE', 'a profile interval starts on a UTC half-hour', { where: 'profile interval start' });
  }
  return (utcMs - dayStart(dayKey(utcMs))) / HALF_HOUR_MS;
}

export function slotStart(key: string, slot: number): number {
  return dayStart(key) + slot * HALF_HOUR_MS;
}

export { DAY_MS, HALF_HOUR_MS };
