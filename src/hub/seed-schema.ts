import { Ajv } from 'ajv';
import { schemaProblems } from '../../hal/sim/schema-problems.js';
import { SeedError, type HubSeed } from './seed.js';

/** The state file `hub gbcs process --state` reads (a HubSeed and the hub's identity), as a JSON schema. */
const eui = { type: 'string', pattern: '^[0-9A-Fa-f]{16}$' } as const;
const hex = { type: 'string', pattern: '^([0-9A-Fa-f]{2})*$' } as const;
const time = { type: 'string', minLength: 1 } as const;
const triple = { type: 'array', items: { type: 'integer' }, minItems: 3, maxItems: 3 } as const;
const counter = { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^[0-9]{1,20}$' }] } as const;

const device = {
  type: 'object',
  additionalProperties: false,
  required: ['eui64', 'deviceType'],
  properties: { eui64: eui, deviceType: { type: 'string' }, installCode: hex, tcLinkKey: hex, lastCommunication: time },
} as const;

const STATE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    now: time,
    extendedPanId: { type: 'string', pattern: '^[0-9A-Fa-f]{16}$' },
    identity: { type: 'object', additionalProperties: false, properties: { chf: eui, gpf: eui } },
    counters: {
      type: 'object',
      additionalProperties: false,
      properties: { own: counter, parties: { type: 'object', propertyNames: eui, additionalProperties: counter } },
    },
    supply: { type: 'object', additionalProperties: false, properties: { electricity: eui, gas: eui } },
    historicDevices: { type: 'array', items: device },
    devices: { type: 'array', items: device },
    linkStatistics: {
      type: 'object',
      propertyNames: eui,
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['status', 'rssi', 'lqi', 'numberOfHops', 'transmissionFailures', 'transmissionSuccesses', 'applicationVersion', 'stackVersion'],
        properties: {
          status: hex,
          rssi: triple,
          lqi: triple,
          numberOfHops: { type: 'integer' },
          transmissionFailures: { type: 'integer' },
          transmissionSuccesses: { type: 'integer' },
          applicationVersion: { type: 'integer' },
          stackVersion: { type: 'integer' },
        },
      },
    },
    events: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['at', 'code'],
        properties: { at: time, code: { type: 'integer', minimum: 0, maximum: 0xffff }, messageCode: { type: 'integer', minimum: 0, maximum: 0xffff } },
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile(STATE_SCHEMA);

/** A state file's content checked whole; every problem named by its key path. */
export function parseStateFile(value: unknown, where: string): StateFile {
  if (validate(value)) return value as StateFile;
  const problems = schemaProblems(validate.errors, { topLevel: 'state', unknownKey: 'state field' });
  throw new SeedError('SEED_INVALID', problems.join('; '), { where });
}

/** A state file: a HubSeed, plus the hub's identity when it is not the message's recipient. */
export interface StateFile extends HubSeed {
  identity?: { chf?: string; gpf?: string };
}
