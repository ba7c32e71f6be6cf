import { pino, type LoggerOptions } from 'pino';
import type { Logger } from '../hal/log.js';

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
] as const;

function redactPaths(): string[] {
  return REDACTED_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);
}

export interface LogOptions {
  level?: string;
  /** Where lines go; defaults to standard output. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LogOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env['HUB_LOG_LEVEL'] ?? 'info',
    redact: { paths: redactPaths(), censor: '[redacted]' },
    base: { app: 'hub' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}
