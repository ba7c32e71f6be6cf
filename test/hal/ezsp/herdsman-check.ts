import fc from 'fast-check';
import { expect } from 'vitest';
import { decodeFrame, encodeRequest, encodeResponse, zeroParams } from '../../../hal/ezsp/codec.js';
import { FRAMES, fieldsFor, type FrameName } from '../../../hal/ezsp/frames.js';
import { FIRST_SL_STATUS_VERSION, type WireTypeName } from '../../../hal/ezsp/wire-types.js';
import { paramsArbitrary } from './arbitraries.js';
import { fromHerdsman, toHerdsman, type CallbackBinding, type CommandBinding } from './herdsman-bindings.js';
import { HerdsmanEzsp, herdsmanStatus } from './herdsman-ezsp-oracle.js';

/**
 * One frame's check against zigbee-herdsman, in one protocol version. Host to NCP: herdsman's
 * command method encodes each request, ours decodes it to the same field values and encodes those
 * values to the same bytes. NCP to host: ours encodes each response and callback, herdsman decodes
 * it to the same field values, reading every byte. Values are random (seeded).
 */
type Params = Record<string, unknown>;
const RUNS = 20;
const SEED = 1613;

function fieldType(name: FrameName, direction: 'request' | 'response', version: number, field: string): WireTypeName {
  const spec = fieldsFor(name, direction, version).find((f) => f.name === field) ?? FRAMES[name][direction].find((f) => f.name === field);
  if (!spec) throw new Error(`${name} has no ${direction} field ${field}`);
  return spec.type;
}

function samples(name: FrameName, direction: 'request' | 'response', version: number, runs: number): Params[] {
  return fc.sample(paramsArbitrary(name, direction, version), { seed: SEED + version, numRuns: runs });
}

/** What herdsman should report for each of our fields: the value, except an EZSP 13 status, which it maps. */
function expected(name: FrameName, version: number, ours: Params, keys: string[], ezspStatus = false): Params {
  const out: Params = {};
  for (const key of keys) {
    const value = ours[key];
    const isStatus = fieldType(name, 'response', version, key) === 'status';
    out[key] = isStatus && version < FIRST_SL_STATUS_VERSION ? herdsmanStatus(value as number, version, !ezspStatus) : value;
  }
  return out;
}

function herdsmanArgs(name: FrameName, binding: CommandBinding, request: Params, version: number): unknown[] {
  if (typeof binding.args === 'function') return binding.args(request, version);
  return binding.args.map((field) => {
    const type = fieldType(name, 'request', version, field);
    return toHerdsman(type, field in request ? request[field] : zeroParams(name, 'request')[field as never]);
  });
}

function herdsmanResult(name: FrameName, binding: CommandBinding, returned: unknown, version: number): Params {
  if (typeof binding.result === 'function') return binding.result(returned, version);
  const names = binding.result;
  const values = names.length === 1 ? [returned] : ((returned ?? []) as unknown[]);
  return Object.fromEntries(names.map((field, i) => [field, fromHerdsman(fieldType(name, 'response', version, field), values[i])]));
}

function pick(params: Params, keys: string[]): Params {
  return Object.fromEntries(keys.map((key) => [key, params[key]]));
}

export async function checkCommand(name: FrameName, binding: CommandBinding, version: number, runs = RUNS): Promise<void> {
  const oracle = new HerdsmanEzsp(version);
  const responses = samples(name, 'response', version, runs);
  for (const [i, request] of samples(name, 'request', version, runs).entries()) {
    const response = { ...zeroParams(name, 'response'), ...responses[i] };
    const exchange = await oracle.command(binding.method, herdsmanArgs(name, binding, request, version), (bytes) =>
      encodeResponse(name, response as never, bytes[0]!, version),
    );
    const decoded = decodeFrame(exchange.request, version);
    expect({ name: decoded.name, direction: decoded.direction }).toEqual({ name, direction: 'request' });
    expect(pick(decoded.params as Params, Object.keys(request))).toEqual(request);
    expect(encodeRequest(name, { ...zeroParams(name, 'request'), ...request } as never, exchange.request[0]!, version)).toEqual(exchange.request);
    expect(exchange.error).toBeUndefined();
    const got = herdsmanResult(name, binding, exchange.result, version);
    expect(got).toEqual(expected(name, version, response, Object.keys(got), binding.ezspStatus));
    expect(exchange.unread).toBe(binding.unread?.(response) ?? 0);
  }
}

export function checkCallback(name: FrameName, binding: CallbackBinding, version: number, runs = RUNS): void {
  const oracle = new HerdsmanEzsp(version);
  for (const [sequence, params] of samples(name, 'response', version, runs).entries()) {
    const frame = encodeResponse(name, { ...zeroParams(name, 'response'), ...params } as never, sequence, version);
    const { args, unread } = oracle.callback(binding.handler, frame);
    expect(args, `herdsman did not call ${binding.handler}`).toBeDefined();
    const got =
      typeof binding.args === 'function'
        ? binding.args(args!, version)
        : Object.fromEntries(binding.args.map((field, i) => [field, fromHerdsman(fieldType(name, 'response', version, field), args![i])]));
    expect(got).toEqual(expected(name, version, params, Object.keys(got)));
    expect(unread).toBe(binding.unread?.(params) ?? 0);
  }
}

