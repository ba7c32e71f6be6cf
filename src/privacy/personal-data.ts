import { inspect } from 'node:util';

/**
 * Personal data on the hub, as one table: each class says which field names carry it, whether it
 * is encrypted at rest, how long it may be kept, and whether any trace of it may reach a log.
 * Values travel wrapped in `Personal<T>`, whose every printable form is a mask, so a classified
 * value cannot reach a log line, an error message or telemetry by accident: it has to be
 * `reveal()`ed on purpose, where it is stored or sent to its rightful recipient.
 *
 * This module imports nothing from the logging side (src/logs/process-logger.ts imports it), so the field names
 * here and process-logger.ts's REDACTED_FIELDS are kept in step by a test, not by an import.
 */
export type PersonalClass = 'consumption' | 'tariff' | 'prepayment' | 'meterPoint' | 'customerId' | 'installCode' | 'linkKey' | 'pin' | 'secret' | 'deviceId';

/**
 * How long a class is kept. `age`: entries older than this many days are purged (the GPF's logs hold
 * two years, GPF_LOG_SIZES). The others end with an event their owner acts on: the Device Log drops
 * a link key with its Device, a change of tenancy drops the customer id, and so on. retention.ts
 * runs the owners' purges at start and daily; the limits are read from this table, nowhere else.
 */
export type Retention =
  | { kind: 'age'; days: number }
  | { kind: 'untilReplaced' }
  | { kind: 'untilChangeOfTenancy' }
  | { kind: 'untilLinkKeyEstablished' }
  | { kind: 'untilDeviceRemoved' }
  /** Kept past the Device's removal in the CHF Historic Device Log so a returning Device can resume (CCS01), until the 15-entry log overwrites it. */
  | { kind: 'untilHistoricLogOverwrites' }
  | { kind: 'untilDecommissioned' };

export interface ClassPolicy {
  description: string;
  /** Field names (camelCase) that carry the class. */
  fields: readonly string[];
  /** Field names match when equal or, if true, when they end with one of `fields` (`gasMprn`). Off for short words that end many unrelated names (`resetPin`). */
  suffixMatch: boolean;
  /** Stored only in `personal` store domains (AES-256-GCM under the data key). */
  encryptAtRest: boolean;
  retention: Retention;
  /** `never`: logs never hold the value, not even masked (a Security Log detail naming the field is refused). `allowed`: not secret. */
  log: 'never' | 'allowed';
}

const TWO_YEARS = 731;

export const PERSONAL_DATA: Readonly<Record<PersonalClass, ClassPolicy>> = {
  consumption: {
    description: 'energy and gas used: registers, profile data, daily reads and consumption',
    fields: ['consumption', 'reading', 'readings', 'registers', 'profileData'],
    suffixMatch: true, encryptAtRest: true, retention: { kind: 'age', days: TWO_YEARS }, log: 'never',
  },
  tariff: {
    description: 'tariff and billing data: prices, block thresholds, billing snapshots',
    fields: ['tariff', 'tariffs', 'price', 'prices', 'billingData'],
    suffixMatch: true, encryptAtRest: true, retention: { kind: 'age', days: TWO_YEARS }, log: 'never',
  },
  prepayment: {
    description: 'prepayment money values',
    fields: ['credit', 'debt', 'balance', 'meterBalance', 'emergencyCredit'],
    suffixMatch: true, encryptAtRest: true, retention: { kind: 'age', days: TWO_YEARS }, log: 'never',
  },
  meterPoint: {
    description: 'the premises\' meter point numbers: MPAN and MPRN',
    fields: ['mpan', 'mprn'],
    suffixMatch: true, encryptAtRest: true, retention: { kind: 'untilDecommissioned' }, log: 'never',
  },
  customerId: {
    description: 'customer identification numbers (service 9.1)',
    fields: ['customerId', 'customerIdentificationNumber'],
    suffixMatch: true, encryptAtRest: true, retention: { kind: 'untilChangeOfTenancy' }, log: 'never',
  },
  installCode: {
    description: 'a Device\'s install code, needed only until its link key is established',
    fields: ['installCode'],
    suffixMatch: true, encryptAtRest: true, retention: { kind: 'untilLinkKeyEstablished' }, log: 'never',
  },
  linkKey: {
    description: 'ZigBee keys: TC link keys and the network key',
    fields: ['linkKey', 'tcLinkKey', 'networkKey'],
    suffixMatch: true, encryptAtRest: true, retention: { kind: 'untilHistoricLogOverwrites' }, log: 'never',
  },
  pin: {
    description: 'engineering and privacy PINs (stored only as scrypt hashes)',
    fields: ['pin', 'privacyPin', 'engineeringPin'],
    suffixMatch: false, encryptAtRest: true, retention: { kind: 'untilReplaced' }, log: 'never',
  },
  secret: {
    description: 'private keys, the data key, passwords',
    fields: ['key', 'privateKey', 'dataKey', 'password'],
    suffixMatch: false, encryptAtRest: true, retention: { kind: 'untilReplaced' }, log: 'never',
  },
  deviceId: {
    description: 'EUI-64s of HAN Devices: identify equipment, not a person, and are what a log must name',
    fields: ['eui64'],
    suffixMatch: false, encryptAtRest: false, retention: { kind: 'untilDeviceRemoved' }, log: 'allowed',
  },
};

const CLASSES = Object.keys(PERSONAL_DATA) as PersonalClass[];

/** Every field name a log must never hold (src/logs/process-logger.ts adds these to its redaction list). */
export const NEVER_LOGGED_FIELDS: readonly string[] = CLASSES.filter((c) => PERSONAL_DATA[c].log === 'never').flatMap((c) => PERSONAL_DATA[c].fields);

function normalise(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

const MATCHERS = CLASSES.map((personalClass) => ({
  personalClass,
  suffix: PERSONAL_DATA[personalClass].suffixMatch,
  names: PERSONAL_DATA[personalClass].fields.map(normalise),
}));

/** The class a field name carries (`gasMprn` → meterPoint), or undefined. */
export function classOfField(name: string): PersonalClass | undefined {
  const n = normalise(name);
  return MATCHERS.find(({ names, suffix }) => names.some((field) => n === field || (suffix && n.endsWith(field))))?.personalClass;
}

/** Whether a field of this name may appear in a log (masked by `redactForLog` when it may not). */
export function mayLogField(name: string): boolean {
  const personalClass = classOfField(name);
  return personalClass === undefined || PERSONAL_DATA[personalClass].log === 'allowed';
}

export function mask(personalClass: PersonalClass): string {
  return `[personal:${personalClass}]`;
}

/**
 * A classified value. Its string, JSON and inspected forms are all the mask; only `reveal()` gives
 * the value. The value is held in a private field, so spreading, `Object.entries` and structured
 * cloning do not copy it either.
 */
export class Personal<T> {
  readonly #value: T;
  readonly personalClass: PersonalClass;

  constructor(value: T, personalClass: PersonalClass) {
    this.#value = value;
    this.personalClass = personalClass;
  }

  /** The value itself: call this only where it is stored encrypted or sent to whom it belongs. */
  reveal(): T {
    return this.#value;
  }

  map<U>(change: (value: T) => U): Personal<U> {
    return new Personal(change(this.#value), this.personalClass);
  }

  toString(): string {
    return mask(this.personalClass);
  }

  toJSON(): string {
    return mask(this.personalClass);
  }

  [Symbol.toPrimitive](): string {
    return mask(this.personalClass);
  }

  [inspect.custom](): string {
    return mask(this.personalClass);
  }
}

/** Wrap a value as personal data of a class. */
export function redact<T>(value: T, personalClass: PersonalClass): Personal<T> {
  return new Personal(value, personalClass);
}

export function isPersonal(value: unknown): value is Personal<unknown> {
  return value instanceof Personal;
}

const MAX_DEPTH = 8;

/**
 * A copy of `value` fit for a log line or telemetry: every `Personal` becomes its mask, and every
 * field whose name carries a class that may not be logged is masked whatever its value, at any depth.
 * Errors keep their name, message and code (messages here never hold values: see HubError's rules).
 */
export function redactForLog(value: unknown, depth = 0): unknown {
  if (value instanceof Personal) return value.toJSON();
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((item) => redactForLog(item, depth + 1));
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { type: value.name, message: value.message, ...(code === undefined ? {} : { code }), ...(value.stack ? { stack: value.stack } : {}) };
  }
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [field, inner] of Object.entries(value)) {
    const personalClass = classOfField(field);
    out[field] = personalClass && PERSONAL_DATA[personalClass].log === 'never' ? mask(personalClass) : redactForLog(inner, depth + 1);
  }
  return out;
}

/** The oldest time (UTC ms) a class may still hold at `now`; undefined when its retention is not by age. */
export function retentionCutoff(personalClass: PersonalClass, now: number): number | undefined {
  const retention = PERSONAL_DATA[personalClass].retention;
  return retention.kind === 'age' ? now - retention.days * 24 * 60 * 60 * 1000 : undefined;
}
