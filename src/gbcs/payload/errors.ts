import { GbcsError, type GbcsErrorCode } from '../errors.js';

/**
 * A payload that cannot be read or written. `offset` counts from the first byte of the payload
 * (not of the whole message) and `field` names what was being read, so a person can find the
 * fault in a hex dump of the payload alone.
 */
export class PayloadError extends GbcsError {
  readonly field: string;

  constructor(code: GbcsErrorCode, field: string, message: string, offset?: number) {
    super(code, `${field}: ${message}`, {
      ...(offset === undefined ? {} : { offset }),
      where: offset === undefined ? `payload (${field})` : `payload byte ${offset}`,
    });
    this.field = field;
  }
}

/** Runs a decoder and turns anything but a PayloadError into one, so callers only ever see PayloadError. */
export function guardDecode<T>(field: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof PayloadError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new PayloadError('BAD_VALUE', field, `cannot be read (${reason})`);
  }
}
