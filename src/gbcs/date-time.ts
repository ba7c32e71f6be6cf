import { SIZE } from './constants.js';
import { GbcsError } from './errors.js';

/**
 * The DLMS date-time (12 octets): year (2), month, day, day of week, hour, minute, second,
 * hundredths, deviation from UTC in minutes (2, signed; 0x8000 = not specified), clock status.
 * 0xFF (0xFFFF for the year) in a field means "not specified".
 */
export interface DlmsDateTime {
  year: number;
  month: number;
  day: number;
  dayOfWeek: number;
  hour: number;
  minute: number;
  second: number;
  hundredths: number;
  deviation: number;
  clockStatus: number;
}

export const NOT_SPECIFIED = 0xff;
const YEAR_NOT_SPECIFIED = 0xffff;
const DEVIATION_NOT_SPECIFIED = -0x8000;

export function decodeDateTime(bytes: Buffer): DlmsDateTime {
  if (bytes.length !== SIZE.dateTime) {
    throw new GbcsError('BAD_VALUE', `a date-time has ${SIZE.dateTime} octets, not ${bytes.length}`);
  }
  return {
    year: bytes.readUInt16BE(0),
    month: bytes[2]!,
    day: bytes[3]!,
    dayOfWeek: bytes[4]!,
    hour: bytes[5]!,
    minute: bytes[6]!,
    second: bytes[7]!,
    hundredths: bytes[8]!,
    deviation: bytes.readInt16BE(9),
    clockStatus: bytes[11]!,
  };
}

export function encodeDateTime(value: DlmsDateTime): Buffer {
  const bytes = Buffer.alloc(SIZE.dateTime);
  bytes.writeUInt16BE(value.year, 0);
  bytes.set([value.month, value.day, value.dayOfWeek, value.hour, value.minute, value.second, value.hundredths], 2);
  bytes.writeInt16BE(value.deviation, 9);
  bytes[11] = value.clockStatus;
  return bytes;
}

/** A UTC instant as GBCS sends it: day of week, hundredths and clock status not specified, deviation 0. */
export function dateTimeFromDate(date: Date): Buffer {
  return encodeDateTime({
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    dayOfWeek: NOT_SPECIFIED,
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    hundredths: 0,
    deviation: 0,
    clockStatus: NOT_SPECIFIED,
  });
}

/** The instant, when every field of it is specified (deviation unspecified is read as UTC). */
export function dateTimeToDate(value: DlmsDateTime): Date | undefined {
  const fields = [value.month, value.day, value.hour, value.minute, value.second];
  if (value.year === YEAR_NOT_SPECIFIED || fields.some((field) => field === NOT_SPECIFIED)) return undefined;
  const hundredths = value.hundredths === NOT_SPECIFIED ? 0 : value.hundredths;
  const utc = Date.UTC(value.year, value.month - 1, value.day, value.hour, value.minute, value.second, hundredths * 10);
  const deviation = value.deviation === DEVIATION_NOT_SPECIFIED ? 0 : value.deviation;
  return new Date(utc + deviation * 60_000);
}

/** `2015-01-01T00:00:00` with `*` for unspecified fields, for people. */
export function formatDateTime(value: DlmsDateTime): string {
  const field = (n: number, width: number, unspecified: number) => (n === unspecified ? '*'.repeat(width) : String(n).padStart(width, '0'));
  const date = `${field(value.year, 4, YEAR_NOT_SPECIFIED)}-${field(value.month, 2, NOT_SPECIFIED)}-${field(value.day, 2, NOT_SPECIFIED)}`;
  const time = `${field(value.hour, 2, NOT_SPECIFIED)}:${field(value.minute, 2, NOT_SPECIFIED)}:${field(value.second, 2, NOT_SPECIFIED)}`;
  const zone = value.deviation === DEVIATION_NOT_SPECIFIED ? '' : ` (deviation ${value.deviation} min)`;
  return `${date}T${time}${zone}`;
}
