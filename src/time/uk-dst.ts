/**
 * UK daylight saving (BST): from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
 * Sunday of October, one hour ahead of GMT. The ZigBee Time cluster describes it with DstStart,
 * DstEnd and DstShift for the current year, and TimeZone 0 (GMT).
 */
export const UK_TIME_ZONE_SECONDS = 0;
export const UK_DST_SHIFT_SECONDS = 3600;
const CHANGE_HOUR_UTC = 1;
const MARCH = 2;
const OCTOBER = 9;

/** 01:00 UTC on the last Sunday of `month` (0-based) in `year`, in UTC ms. */
function lastSundayAtChange(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  const day = lastDay.getUTCDate() - lastDay.getUTCDay();
  return Date.UTC(year, month, day, CHANGE_HOUR_UTC);
}

export interface DstPeriod {
  /** UTC ms when BST starts (inclusive). */
  start: number;
  /** UTC ms when BST ends (exclusive). */
  end: number;
}

export function ukDstPeriod(year: number): DstPeriod {
  return { start: lastSundayAtChange(year, MARCH), end: lastSundayAtChange(year, OCTOBER) };
}

/** Whether UK clocks show BST at this instant. */
export function isUkDst(utcMs: number): boolean {
  const { start, end } = ukDstPeriod(new Date(utcMs).getUTCFullYear());
  return utcMs >= start && utcMs < end;
}
