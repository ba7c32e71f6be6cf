import { eui64FromBytes, eui64ToBytes, isEui64, notAnEui64 } from '../../../../hal/eui64.js';
import type { Eui64 } from '../../../../hal/radio.js';
import { decodeDateTime, encodeDateTime, type DlmsDateTime } from '../../date-time.js';
import { PayloadError } from '../errors.js';
import { encodeData } from './data.js';
import type { DlmsData, DlmsType, IntegerType, TypeDescription } from './types.js';

/**
 * A shape maps a Data tree to a typed value and back, so the typed views of each use case are
 * declared as data (which member has which DLMS type) rather than hand-written twice. A mismatch
 * is a PayloadError at the node's payload offset.
 */
export interface Shape<T> {
  decode(node: DlmsData, field: string): T;
  encode(value: T, field: string): DlmsData;
}

export type ShapeValue<S> = S extends Shape<infer T> ? T : never;

function mismatch(node: DlmsData, field: string, expected: string): never {
  throw new PayloadError('BAD_VALUE', field, `expected ${expected}, found ${node.type}`, node.at);
}

function expectType<T extends DlmsType>(node: DlmsData, type: T, field: string): Extract<DlmsData, { type: T }> {
  if (node.type !== type) mismatch(node, field, type);
  return node as Extract<DlmsData, { type: T }>;
}

export function integer(type: IntegerType): Shape<number> {
  return {
    decode: (node, field) => (expectType(node, type, field) as { value: number }).value,
    encode: (value, field) => {
      const node = { type, value } as DlmsData;
      encodeData(node, field); // refuses, naming this member, a value the type cannot hold
      return node;
    },
  };
}

export const unsigned = integer('unsigned');
export const longUnsigned = integer('long-unsigned');
export const doubleLongUnsigned = integer('double-long-unsigned');
export const signedInteger = integer('integer');
export const enumeration = integer('enum');

export const boolean: Shape<boolean> = {
  decode: (node, field) => expectType(node, 'boolean', field).value,
  encode: (value) => ({ type: 'boolean', value }),
};

/** Nothing: the access carries null-data. */
export const none: Shape<undefined> = {
  decode: (node, field) => {
    expectType(node, 'null-data', field);
    return undefined;
  },
  encode: () => ({ type: 'null-data' }),
};

/** Any Data value, kept as the generic tree. */
export const anyData: Shape<DlmsData> = { decode: (node) => node, encode: (value) => value };

export function octets(size?: number): Shape<Buffer> {
  const check = (value: Buffer, field: string, at?: number) => {
    if (size !== undefined && value.length !== size) throw new PayloadError('BAD_VALUE', field, `expected ${size} octets, found ${value.length}`, at);
  };
  return {
    decode: (node, field) => {
      const { value } = expectType(node, 'octet-string', field);
      check(value, field, node.at);
      return value;
    },
    encode: (value, field) => {
      check(value, field);
      return { type: 'octet-string', value };
    },
  };
}

export const eui64: Shape<Eui64> = {
  decode: (node, field) => eui64FromBytes(octets(8).decode(node, field)),
  encode: (value, field) => {
    if (!isEui64(value)) throw new PayloadError('BAD_VALUE', field, notAnEui64(value));
    return { type: 'octet-string', value: eui64ToBytes(value) };
  },
};

/** A 12-octet DLMS date-time carried as an octet string. */
export const dateTime: Shape<DlmsDateTime> = {
  decode: (node, field) => decodeDateTime(octets(12).decode(node, field)),
  encode: (value, field) => octets(12).encode(encodeDateTime(value), field),
};

export interface BitString {
  bits: number;
  value: Buffer;
}

export const bitString: Shape<BitString> = {
  decode: (node, field) => {
    const { bits, value } = expectType(node, 'bit-string', field);
    return { bits, value };
  },
  encode: (value) => ({ type: 'bit-string', bits: value.bits, value: value.value }),
};

export function array<T>(element: Shape<T>): Shape<T[]> {
  return {
    decode: (node, field) => expectType(node, 'array', field).items.map((item, i) => element.decode(item, `${field}[${i}]`)),
    encode: (values, field) => ({ type: 'array', items: values.map((value, i) => element.encode(value, `${field}[${i}]`)) }),
  };
}

/** A compact array whose elements all follow `description`. */
export function compactArray<T>(element: Shape<T>, description: TypeDescription): Shape<T[]> {
  return {
    decode: (node, field) => expectType(node, 'compact-array', field).items.map((item, i) => element.decode(item, `${field}[${i}]`)),
    encode: (values, field) => ({ type: 'compact-array', description, items: values.map((value, i) => element.encode(value, `${field}[${i}]`)) }),
  };
}

type Members = Record<string, Shape<unknown>>;
export type StructValue<M extends Members> = { [K in keyof M]: ShapeValue<M[K]> };

/** A structure whose members, in this order, have these shapes. */
export function struct<M extends Members>(members: M): Shape<StructValue<M>> {
  const names = Object.keys(members);
  return {
    decode: (node, field) => {
      const { items } = expectType(node, 'structure', field);
      if (items.length !== names.length) {
        throw new PayloadError('BAD_VALUE', field, `expected a structure of ${names.length} members, found ${items.length}`, node.at);
      }
      const value: Record<string, unknown> = {};
      names.forEach((name, i) => (value[name] = members[name]!.decode(items[i]!, `${field}.${name}`)));
      return value as StructValue<M>;
    },
    encode: (value, field) => ({
      type: 'structure',
      items: names.map((name) => members[name]!.encode(value[name], `${field}.${name}`)),
    }),
  };
}
