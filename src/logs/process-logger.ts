import { pino, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../../hal/log.js';
import { NEVER_LOGGED_FIELDS, redactForLog } from '../privacy/index.js';

/**
 * Field names whose values are personal data or secrets. pino replaces them before a line is
 * written, wherever in the object they appear (one and two levels deep), so a careless
 * `log.info({ device })` cannot leak an install code or a link key.
 */
export const REDACTED_FIELDS = [
  'installCode',
  'linkKey',
  'tcLinkKey',
  'networkKey',
  'key',
  'privateKey',
  'pin',
  'privacyPin',
  'engineeringPin',
  'password',
  'mpan',
  'mprn',
  'customerId',
  'consumption',
  'payload',
  // The rest of src/privacy/personal-data.ts's classification (tariff, prepayment, customer ids...).
  ...NEVER_LOGGED_FIELDS,
] as const;

function redactPaths(): string[] {
  return [...new Set(REDACTED_FIELDS)].flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);
}

export interface LogOptions {
  level?: string;
  /** Where lines go; defaults to standard output. */
  destination?: NodeJS.WritableStream;
  /**
   * Readable lines instead of JSON. Defaults to on when standard output is a terminal (a person is
   * watching) unless HUB_LOG_FORMAT=json; services and tests get JSON. Redaction applies either way.
   */
  pretty?: boolean;
}

function wantsPretty(options: LogOptions): boolean {
  if (options.pretty !== undefined) return options.pretty;
  if (options.destination) return false;
  return process.stdout.isTTY === true && process.env['HUB_LOG_FORMAT'] !== 'json';
}

export function createLogger(options: LogOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env['HUB_LOG_LEVEL'] ?? 'info',
    redact: { paths: redactPaths(), censor: '[redacted]' },
    // Masks classified fields at any depth and every Personal value, beyond the paths above.
    formatters: { log: (object) => redactForLog(object) as Record<string, unknown> },
    base: { app: 'hub' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (wantsPretty(options)) {
    const stream = pretty({ colorize: true, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,app', singleLine: true, destination: options.destination ?? 1, sync: true });
    return pino(config, stream);
  }
  return options.destination ? pino(config, options.destination) : pino(config);
}
