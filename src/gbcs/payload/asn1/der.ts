import forge from 'node-forge';
import { PayloadError } from '../errors.js';

/**
 * ASN.1 DER through node-forge's asn1 module, behind a small tree of our own (Buffers, numeric
 * tags, payload offsets). `decodeDer` accepts only DER: a value that would re-encode differently
 * (a long length form, trailing bytes) is refused, so whatever decodes re-encodes byte for byte.
 * `decodeBer` also takes other length forms, for payloads the hub only reads (responses, alerts).
 */
export const ASN1_TAG = { integer: 0x02, octetString: 0x04, null: 0x05, enumerated: 0x0a, sequence: 0x10, generalizedTime: 0x18 } as const;

export type Asn1Node = {
  /** 0 universal, 1 application, 2 context-specific, 3 private (the bits of the identifier octet, shifted down). */
  tagClass: number;
  tag: number;
  /** Offset of the identifier octet within the payload. */
  at?: number;
} & ({ constructed: true; children: Asn1Node[] } | { constructed: false; value: Buffer });

const { asn1, util } = forge;

/** forge's fromDer takes an options object; its type declarations only know the older boolean. */
type FromDer = (bytes: forge.util.ByteBuffer, options: { strict: boolean; decodeBitStrings: boolean; parseAllBytes: boolean }) => forge.asn1.Asn1;
const fromDer = asn1.fromDer as unknown as FromDer;

export function decodeDer(payload: Buffer): Asn1Node {
  const node = fromForge(parse(payload, 'DER'), 0);
  if (!encodeDer(node).equals(payload)) throw new PayloadError('BAD_VALUE', 'ASN.1 structure', 'is BER but not DER (it would re-encode differently)', 0);
  return node;
}

/**
 * BER as some Devices send it (the RTDS CS02b responses give a short length in the long form,
 * 30 82 00 CA): for reading what the hub only inspects. The tree is the same as DER's and
 * re-encodes as DER, so not to the same bytes; offsets are where each value sits in `payload`.
 * Definite lengths only, as GBCS has no indefinite ones.
 */
export function decodeBer(payload: Buffer): Asn1Node {
  return locate(parse(payload, 'BER'), payload, 0).node;
}

function parse(payload: Buffer, rules: 'DER' | 'BER'): forge.asn1.Asn1 {
  try {
    return fromDer(util.createBuffer(payload.toString('binary')), { strict: true, decodeBitStrings: false, parseAllBytes: true });
  } catch (error) {
    const available = (error as { available?: unknown }).available;
    const offset = typeof available === 'number' ? Math.max(0, payload.length - available) : undefined;
    throw new PayloadError('BAD_VALUE', 'ASN.1 structure', `is not ${rules} (${error instanceof Error ? error.message : String(error)})`, offset);
  }
}

/** A node parsed from BER, with its offset read from its own identifier and length octets. */
function locate(node: forge.asn1.Asn1, payload: Buffer, at: number): { node: Asn1Node; end: number } {
  const first = payload[at + 1] ?? 0;
  if (node.type > 30) throw new PayloadError('BAD_VALUE', 'ASN.1 tag', 'needs the long form, which GBCS does not use', at);
  if (first === 0x80) throw new PayloadError('BAD_VALUE', 'ASN.1 length', 'is indefinite, which GBCS does not use', at + 1);
  const lengthOctets = first < 0x80 ? 0 : first & 0x7f;
  const start = at + 2 + lengthOctets;
  let length = lengthOctets === 0 ? first : 0;
  for (let i = 0; i < lengthOctets; i++) length = length * 256 + payload[at + 2 + i]!;
  const tagClass = node.tagClass >> 6;
  if (!Array.isArray(node.value)) {
    return { node: { tagClass, tag: node.type, constructed: false, value: Buffer.from(node.value, 'binary'), at }, end: start + length };
  }
  let offset = start;
  const children = node.value.map((child) => {
    const located = locate(child, payload, offset);
    offset = located.end;
    return located.node;
  });
  return { node: { tagClass, tag: node.type, constructed: true, children, at }, end: start + length };
}

function headerLength(contentLength: number): number {
  if (contentLength < 0x80) return 2;
  let bytes = 0;
  for (let rest = contentLength; rest > 0; rest = Math.floor(rest / 256)) bytes++;
  return 2 + bytes;
}

function fromForge(node: forge.asn1.Asn1, at: number): Asn1Node {
  const tagClass = node.tagClass >> 6;
  if (Array.isArray(node.value)) {
    let offset = at + headerLength(contentLengthOf(node));
    const children = node.value.map((child) => {
      const converted = fromForge(child, offset);
      offset += headerLength(contentLengthOf(child)) + contentLengthOf(child);
      return converted;
    });
    return { tagClass, tag: node.type, constructed: true, children, at };
  }
  return { tagClass, tag: node.type, constructed: false, value: Buffer.from(node.value, 'binary'), at };
}

function contentLengthOf(node: forge.asn1.Asn1): number {
  if (!Array.isArray(node.value)) return node.value.length;
  return node.value.reduce((sum, child) => sum + headerLength(contentLengthOf(child)) + contentLengthOf(child), 0);
}

export function encodeDer(node: Asn1Node): Buffer {
  if (node.tag > 30) throw new PayloadError('BAD_VALUE', 'ASN.1 tag', `tag ${node.tag} needs the long form, which GBCS does not use`);
  return Buffer.from(asn1.toDer(toForge(node)).getBytes(), 'binary');
}

const LONG_LENGTH_TWO_OCTETS = 0x82;
const MAX_TWO_OCTET_LENGTH = 0xffff;

/**
 * As `encodeDer`, but every length of 128 or more in the two-octet long form (30 82 00 CA), as
 * every RTDS CS02b response lays out its lengths, whether it needs one octet or two. BER, not DER.
 */
export function encodeWithTwoOctetLengths(node: Asn1Node): Buffer {
  if (node.tag > 30) throw new PayloadError('BAD_VALUE', 'ASN.1 tag', `tag ${node.tag} needs the long form, which GBCS does not use`);
  const content = node.constructed ? Buffer.concat(node.children.map(encodeWithTwoOctetLengths)) : node.value;
  if (content.length > MAX_TWO_OCTET_LENGTH) throw new PayloadError('BAD_VALUE', 'ASN.1 length', `${content.length} octets do not fit two length octets`);
  const identifier = (node.tagClass << 6) | (node.constructed ? 0x20 : 0) | node.tag;
  const length = content.length < 0x80 ? Buffer.of(content.length) : Buffer.of(LONG_LENGTH_TWO_OCTETS, content.length >> 8, content.length & 0xff);
  return Buffer.concat([Buffer.of(identifier), length, content]);
}

function toForge(node: Asn1Node): forge.asn1.Asn1 {
  const tagClass = (node.tagClass << 6) as forge.asn1.Class;
  if (node.constructed) return asn1.create(tagClass, node.tag, true, node.children.map(toForge));
  return asn1.create(tagClass, node.tag, false, Buffer.from(node.value).toString('binary'));
}

/** A universal primitive. */
export function primitive(tag: number, value: Buffer): Asn1Node {
  return { tagClass: 0, tag, constructed: false, value };
}

export function sequenceNode(children: Asn1Node[]): Asn1Node {
  return { tagClass: 0, tag: ASN1_TAG.sequence, constructed: true, children };
}

/** DER INTEGER content: minimal two's complement. */
export function integerContent(value: bigint): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(Number(BigInt.asUintN(8, rest)));
    rest >>= 8n;
  } while (!(rest === 0n && (bytes[0]! & 0x80) === 0) && !(rest === -1n && (bytes[0]! & 0x80) !== 0));
  return Buffer.from(bytes);
}

export function integerValue(content: Buffer): bigint {
  let value = 0n;
  for (const byte of content) value = (value << 8n) | BigInt(byte);
  return content.length > 0 && content[0]! & 0x80 ? value - (1n << BigInt(8 * content.length)) : value;
}
