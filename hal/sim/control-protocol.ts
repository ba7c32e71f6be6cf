import { Ajv } from 'ajv';
import { HubError } from '../errors.js';
import { schemaProblems } from './schema-problems.js';

/**
 * The control protocol's requests: one JSON object per line, `op` naming the operation and `id`
 * (any JSON value) echoed in the reply. This module only parses and checks them; control.ts acts.
 */
const EUI64 = { type: 'string', pattern: '^[0-9A-Fa-f]{2}([-:]?[0-9A-Fa-f]{2}){7}$' } as const;
// Room for the longest message a device sends (device.ts MAX_MESSAGE_LENGTH) and more, so that limit is the one reported.
const HEX = { type: 'string', pattern: '^([0-9A-Fa-f]{2})*$', maxLength: 8192 } as const;
const U8 = { type: 'integer', minimum: 0, maximum: 0xff } as const;
const U16 = { type: 'integer', minimum: 0, maximum: 0xffff } as const;
const COUNT = { type: 'integer', minimum: 0 } as const;
const SINCE = { type: 'integer', minimum: 0 } as const;

function op(name: string, properties: Record<string, unknown> = {}, required: string[] = []) {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['op', ...required],
    properties: { op: { const: name }, id: {}, ...properties },
  };
}

const REQUESTS = {
  status: op('status'),
  devices: op('devices'),
  join: op('join', { eui64: EUI64 }, ['eui64']),
  send: op(
    'send',
    {
      from: EUI64,
      payload: HEX,
      payloads: { type: 'array', items: HEX, minItems: 1, maxItems: 10_000 },
      count: { type: 'integer', minimum: 1, maximum: 10_000 },
      numbered: { type: 'boolean' },
      profileId: U16,
      clusterId: U16,
      sourceEndpoint: U8,
      destinationEndpoint: U8,
    },
    ['from'],
  ),
  received: op('received', { eui64: EUI64, since: SINCE }, ['eui64']),
  sendGbcs: op('sendGbcs', { from: EUI64, gbcs: { ...HEX, minLength: 2 } }, ['from', 'gbcs']),
  outcomes: op('outcomes', { eui64: EUI64, since: SINCE }, ['eui64']),
  fault: op('fault', {
    corruptOneIn: COUNT,
    dropOneIn: COUNT,
    duplicateOneIn: COUNT,
    delayMs: COUNT,
    resetAfterFrames: COUNT,
    directions: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['toHost', 'toNcp'] } },
  }),
  resetNcp: op('resetNcp', { announce: { enum: ['rstack', 'error'] } }),
  replaceNcp: op('replaceNcp', {}),
  wake: op('wake', { eui64: EUI64 }, ['eui64']),
  events: op('events', { enabled: { type: 'boolean' } }, ['enabled']),
  auth: op('auth', { token: { type: 'string', maxLength: 256 } }, ['token']),
  ota: op('ota', { eui64: EUI64, query: { type: 'boolean' }, queryOnWake: { type: 'boolean' }, activate: { type: 'string', pattern: '^[0-9A-Fa-f]{64}$' } }, ['eui64']),
} as const;

export type ControlOp = keyof typeof REQUESTS;
export const CONTROL_OPS = Object.keys(REQUESTS) as ControlOp[];

export interface ControlRequest {
  op: ControlOp;
  id?: unknown;
  eui64?: string;
  from?: string;
  /** received/outcomes: skip the first `since` entries (what the caller already has). */
  since?: number;
  payload?: string;
  payloads?: string[];
  /** sendGbcs: the GBCS message (hex) the Device sends the hub through its tunnel. */
  gbcs?: string;
  count?: number;
  numbered?: boolean;
  profileId?: number;
  clusterId?: number;
  sourceEndpoint?: number;
  destinationEndpoint?: number;
  corruptOneIn?: number;
  dropOneIn?: number;
  duplicateOneIn?: number;
  delayMs?: number;
  resetAfterFrames?: number;
  directions?: Array<'toHost' | 'toNcp'>;
  announce?: 'rstack' | 'error';
  enabled?: boolean;
  /** auth: the token from the simulator's token file. */
  token?: string;
  /** ota: ask the hub for an image now; ask at every wake (a sleepy Device); run the held image with this Manufacturer Image hash. */
  query?: boolean;
  queryOnWake?: boolean;
  activate?: string;
}

export class ControlError extends HubError {}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map(CONTROL_OPS.map((name) => [name, ajv.compile(REQUESTS[name])]));

/** The longest request line accepted (a 10,000-payload send fits). */
export const MAX_LINE_LENGTH = 4 * 1024 * 1024;

/** Parse one request line; a ControlError names what is wrong, and `id` when the line had one. */
export function parseControlRequest(line: string): ControlRequest {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new ControlError('CONTROL_BAD_JSON', 'the line is not JSON', { where: 'request' });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ControlError('CONTROL_BAD_REQUEST', 'a request is a JSON object', { where: 'request' });
  }
  const name = (raw as { op?: unknown }).op;
  const validate = typeof name === 'string' ? validators.get(name as ControlOp) : undefined;
  if (!validate) {
    throw new ControlError('CONTROL_UNKNOWN_OP', `op must be one of ${CONTROL_OPS.join(', ')}`, { where: 'op' });
  }
  if (!validate(raw)) {
    const problems = schemaProblems(validate.errors, { topLevel: 'request', unknownKey: 'field' });
    throw new ControlError('CONTROL_BAD_REQUEST', problems.join('; '), { where: String(name) });
  }
  const request = raw as unknown as ControlRequest;
  if (request.op === 'send' && (request.payload === undefined) === (request.payloads === undefined)) {
    throw new ControlError('CONTROL_BAD_REQUEST', 'give exactly one of payload and payloads', { where: 'send' });
  }
  if (request.op === 'send' && request.payloads && (request.count !== undefined || request.numbered)) {
    throw new ControlError('CONTROL_BAD_REQUEST', 'count and numbered go with payload, not payloads', { where: 'send' });
  }
  return request;
}

/** The payloads a `send` asks for: the list as given, or `count` copies of one, each numbered if asked. */
export function sendPayloads(request: ControlRequest): Buffer[] {
  if (request.payloads) return request.payloads.map((hex) => Buffer.from(hex, 'hex'));
  const base = Buffer.from(request.payload ?? '', 'hex');
  return Array.from({ length: request.count ?? 1 }, (_, index) => {
    if (!request.numbered) return base;
    const number = Buffer.alloc(4);
    number.writeUInt32BE(index);
    return Buffer.concat([base, number]);
  });
}
