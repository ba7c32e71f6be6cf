import { REDACTED_FIELDS } from './process-logger.js';
import { LogError } from './errors.js';

/**
 * What a log entry may say beside its code: a small plain JSON object with no personal data. Logs
 * are read remotely (ECS35c/d) and kept unencrypted, so a field named like personal data or a
 * secret (the redaction list, plus prepayment money values) is refused outright rather than
 * masked: a masked field would still tell a reader that the value was there.
 */
export type DetailValue = string | number | boolean | null | DetailValue[] | { [field: string]: DetailValue };
export type LogDetail = { [field: string]: DetailValue };

/** Prepayment values are personal too; the redaction list is about log lines and does not name them. */
const MONEY_FIELDS = ['credit', 'debt', 'balance', 'meterBalance', 'emergencyCredit', 'reading'] as const;
const PERSONAL_NAMES = [...REDACTED_FIELDS, ...MONEY_FIELDS].map(normalise);

const MAX_DEPTH = 3;
const MAX_STRING = 200;
const MAX_BYTES = 1024;

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `mprn`, `gasMprn`, `device_link_key`, `LinkKey`: a name that is, or ends with, a personal field's. */
export function isPersonalFieldName(name: string): boolean {
  const n = normalise(name);
  return PERSONAL_NAMES.some((personal) => n === personal || n.endsWith(personal));
}

function check(value: unknown, path: string, depth: number): void {
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new LogError('LOG_BAD_DETAIL', 'numbers must be finite', { where: path });
    return;
  }
  if (typeof value === 'string') {
    if (value.length > MAX_STRING) throw new LogError('LOG_BAD_DETAIL', `strings hold at most ${MAX_STRING} characters`, { where: path });
    return;
  }
  if (depth >= MAX_DEPTH) throw new LogError('LOG_BAD_DETAIL', `nested deeper than ${MAX_DEPTH} levels`, { where: path });
  if (Array.isArray(value)) {
    value.forEach((item, i) => check(item, `${path}[${i}]`, depth + 1));
    return;
  }
  if (typeof value !== 'object' || ![Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    throw new LogError('LOG_BAD_DETAIL', 'only strings, finite numbers, booleans, null, arrays and plain objects', { where: path });
  }
  for (const [field, inner] of Object.entries(value)) {
    // The field name is safe to echo; its value is not.
    if (isPersonalFieldName(field)) {
      throw new LogError('LOG_PERSONAL_DETAIL', `"${field}" names personal data or a secret, which logs never hold`, { where: `${path}.${field}` });
    }
    check(inner, `${path}.${field}`, depth + 1);
  }
}

/** Refuses (with a LogError naming the field) anything that must not be logged. */
export function validateDetail(detail: unknown): LogDetail {
  if (detail === undefined) return {};
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
    throw new LogError('LOG_BAD_DETAIL', 'a detail is a plain object', { where: 'detail' });
  }
  check(detail, 'detail', 0);
  const bytes = Buffer.byteLength(JSON.stringify(detail));
  if (bytes > MAX_BYTES) throw new LogError('LOG_BAD_DETAIL', `${bytes} bytes of JSON; a detail holds at most ${MAX_BYTES}`, { where: 'detail' });
  return detail as LogDetail;
}
