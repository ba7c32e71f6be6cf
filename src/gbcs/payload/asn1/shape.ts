import { eui64FromBytes, eui64ToBytes, isEui64, notAnEui64 } from '../../../../hal/eui64.js';
import type { Eui64 } from '../../../../hal/radio.js';
import { PayloadError } from '../errors.js';
import { ASN1_TAG, integerContent, integerValue, primitive, sequenceNode, type Asn1Node } from './der.js';

/**
 * Shapes for the GBCS ASN.1 structures: each maps a DER node to a typed value and back, so the
 * use-case views are declared once for both directions.
 */
export interface Asn1Shape<T> {
  decode(node: Asn1Node, field: string): T;
  encode(value: T, field: string): Asn1Node;
}

export type Asn1Value<S> = S extends Asn1Shape<infer T> ? T : never;

const TAG_NAMES: Readonly<Record<number, string>> = { 2: 'INTEGER', 4: 'OCTET STRING', 5: 'NULL', 16: 'SEQUENCE', 24: 'GeneralizedTime' };

function expectPrimitive(node: Asn1Node, tag: number, field: string): Buffer {
  if (node.tagClass !== 0 || node.tag !== tag || node.constructed) {
    throw new PayloadError('BAD_TAG', field, `expected ${TAG_NAMES[tag] ?? tag}, found tag ${node.tag}${node.tagClass ? ` (class ${node.tagClass})` : ''}`, node.at);
  }
  return node.value;
}

export function expectSequence(node: Asn1Node, field: string): Asn1Node[] {
  if (node.tagClass !== 0 || node.tag !== ASN1_TAG.sequence || !node.constructed) {
    throw new PayloadError('BAD_TAG', field, `expected SEQUENCE, found tag ${node.tag}`, node.at);
  }
  return node.children;
}

/** An INTEGER that fits a JavaScript number (codes, counters up to 2^53). */
export const integer: Asn1Shape<number> = {
  decode: (node, field) => {
    const content = expectPrimitive(node, ASN1_TAG.integer, field);
    if (content.length === 0) throw new PayloadError('BAD_VALUE', field, 'an INTEGER has at least one octet', node.at);
    const value = integerValue(content);
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new PayloadError('BAD_VALUE', field, 'too large', node.at);
    return Number(value);
  },
  encode: (value, field) => {
    if (!Number.isSafeInteger(value)) throw new PayloadError('BAD_VALUE', field, `${value} is not an integer`);
    return primitive(ASN1_TAG.integer, integerContent(BigInt(value)));
  },
};

export function octetString(size?: number): Asn1Shape<Buffer> {
  const check = (value: Buffer, field: string, at?: number) => {
    if (size !== undefined && value.length !== size) throw new PayloadError('BAD_VALUE', field, `expected ${size} octets, found ${value.length}`, at);
  };
  return {
    decode: (node, field) => {
      const value = expectPrimitive(node, ASN1_TAG.octetString, field);
      check(value, field, node.at);
      return value;
    },
    encode: (value, field) => {
      check(value, field);
      return primitive(ASN1_TAG.octetString, value);
    },
  };
}

export const eui64: Asn1Shape<Eui64> = {
  decode: (node, field) => eui64FromBytes(octetString(8).decode(node, field)),
  encode: (value, field) => {
    if (!isEui64(value)) throw new PayloadError('BAD_VALUE', field, notAnEui64(value));
    return primitive(ASN1_TAG.octetString, eui64ToBytes(value));
  },
};

export const nothing: Asn1Shape<null> = {
  decode: (node, field) => {
    if (expectPrimitive(node, ASN1_TAG.null, field).length !== 0) throw new PayloadError('BAD_VALUE', field, 'NULL has no content', node.at);
    return null;
  },
  encode: () => primitive(ASN1_TAG.null, Buffer.alloc(0)),
};

const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/** GeneralizedTime as GBCS writes it: YYYYMMDDHHMMSSZ, UTC, whole seconds. */
export const generalizedTime: Asn1Shape<Date> = {
  decode: (node, field) => {
    const text = expectPrimitive(node, ASN1_TAG.generalizedTime, field).toString('latin1');
    const parts = GENERALIZED_TIME.exec(text)?.slice(1).map(Number);
    if (!parts) throw new PayloadError('BAD_VALUE', field, `"${text}" is not YYYYMMDDHHMMSSZ`, node.at);
    const [year, month, day, hour, minute, second] = parts as [number, number, number, number, number, number];
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
      throw new PayloadError('BAD_VALUE', field, `"${text}" is not a real date and time`, node.at);
    }
    return date;
  },
  encode: (value, field) => {
    if (Number.isNaN(value.getTime()) || value.getUTCMilliseconds() !== 0) throw new PayloadError('BAD_VALUE', field, 'needs a date in whole seconds');
    const text = value.toISOString().replace(/[-:T]/g, '').replace(/\.000Z$/, 'Z');
    return primitive(ASN1_TAG.generalizedTime, Buffer.from(text, 'latin1'));
  },
};

type Members = Record<string, Asn1Shape<unknown>>;
export type SequenceValue<M extends Members, O extends keyof M = never> = { [K in Exclude<keyof M, O>]: Asn1Value<M[K]> } & {
  [K in O]?: Asn1Value<M[K]>;
};

/** A SEQUENCE of these members in this order; `optional` names trailing members that may be left out. */
export function sequence<M extends Members, O extends keyof M = never>(members: M, optional: readonly O[] = []): Asn1Shape<SequenceValue<M, O>> {
  const names = Object.keys(members);
  const required = names.filter((name) => !(optional as readonly string[]).includes(name)).length;
  return {
    decode: (node, field) => {
      const children = expectSequence(node, field);
      if (children.length < required || children.length > names.length) {
        throw new PayloadError('BAD_VALUE', field, `expected ${required === names.length ? required : `${required} to ${names.length}`} members, found ${children.length}`, node.at);
      }
      const value: Record<string, unknown> = {};
      children.forEach((child, i) => (value[names[i]!] = members[names[i]!]!.decode(child, `${field}.${names[i]}`)));
      return value as SequenceValue<M, O>;
    },
    encode: (value, field) =>
      sequenceNode(
        names
          .filter((name) => (value as Record<string, unknown>)[name] !== undefined)
          .map((name) => members[name]!.encode((value as Record<string, unknown>)[name], `${field}.${name}`)),
      ),
  };
}

export function sequenceOf<T>(element: Asn1Shape<T>): Asn1Shape<T[]> {
  return {
    decode: (node, field) => expectSequence(node, field).map((child, i) => element.decode(child, `${field}[${i}]`)),
    encode: (values, field) => sequenceNode(values.map((value, i) => element.encode(value, `${field}[${i}]`))),
  };
}

/** The first shape whose outer tag matches: GBCS uses this for "NULL or a SEQUENCE" answers. */
export function eitherNullOr<T>(other: Asn1Shape<T>): Asn1Shape<T | null> {
  return {
    decode: (node, field) => (node.tagClass === 0 && node.tag === ASN1_TAG.null ? nothing.decode(node, field) : other.decode(node, field)),
    encode: (value, field) => (value === null ? nothing.encode(null, field) : other.encode(value, field)),
  };
}
