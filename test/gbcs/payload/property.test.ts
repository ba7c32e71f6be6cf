import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MESSAGE_CODES, decodeMessage, type Cra } from '../../../src/gbcs/index.js';
import { PAYLOAD_VIEWS, PayloadError, decodePayload, encodeGeneric, payloadFormatOf, type GenericPayload } from '../../../src/gbcs/payload/index.js';
import { decodeDer } from '../../../src/gbcs/payload/asn1/index.js';
import { decodeDlms } from '../../../src/gbcs/payload/dlms/index.js';
import { decodeGbz } from '../../../src/gbcs/payload/gbz/index.js';
import { decodeDataBytes, encodeData, type DlmsData } from '../../../src/gbcs/payload/dlms/index.js';
import { describeRtds, loadVectors } from '../../helpers/rtds.js';

const CRAS: readonly Cra[] = ['command', 'response', 'alert'];
const CODES = [...MESSAGE_CODES.values()].filter((entry) => entry.payload).map((entry) => entry.code);

/** Runs a decoder unguarded (decodePayload would wrap a stray TypeError), allowing only PayloadError. */
function attempt<T>(payload: Buffer, decode: () => T): T | undefined {
  try {
    return decode();
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    expect(error.field.length).toBeGreaterThan(0);
    expect(error.offset === undefined || (error.offset >= 0 && error.offset <= payload.length)).toBe(true);
    return undefined;
  }
}

const RAW_DECODERS = {
  dlms: (payload: Buffer): GenericPayload => ({ format: 'dlms', tree: decodeDlms(payload) }),
  gbz: (payload: Buffer, cra: Cra): GenericPayload => ({ format: 'gbz', tree: decodeGbz(payload, { alert: cra === 'alert' }) }),
  asn1: (payload: Buffer): GenericPayload => ({ format: 'asn1', tree: decodeDer(payload) }),
};

/**
 * The generic decoder and the use case's typed view either raise PayloadError (offset inside
 * the payload) or succeed; then the generic tree and the typed view re-encode to the same bytes.
 */
function decodesSafely(messageCode: number, cra: Cra, payload: Buffer): void {
  const format = payloadFormatOf({ messageCode, payload });
  if (!format) {
    // A code whose format the payload's first bytes tell (GCA, GNCA), with first bytes that tell none.
    expect(() => decodePayload({ messageCode, cra, payload })).toThrow(PayloadError);
    return;
  }
  const generic = attempt(payload, () => RAW_DECODERS[format](payload, cra));
  if (generic) expect(encodeGeneric(generic).equals(payload)).toBe(true);
  const useCase = MESSAGE_CODES.get(messageCode)?.useCase;
  const codec = useCase ? PAYLOAD_VIEWS.get(useCase)?.[cra] : undefined;
  if (!codec) return;
  const typed = attempt(payload, () => codec.decode(payload));
  if (typed !== undefined) expect(codec.encode(typed).equals(payload)).toBe(true);
}

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((array) => Buffer.from(array));
/** Random bodies behind the first bytes each format starts with, so the decoders get past the tag. */
const prefixed = fc.tuple(fc.constantFrom('d9', 'da', '0f', '0109', '010901', '30', '05'), bytes(120)).map(([prefix, body]) => Buffer.concat([Buffer.from(prefix, 'hex'), body]));

describe('payload decoders on hostile input', () => {
  it('throw only PayloadError on random bytes, for every message code and CRA', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CODES), fc.constantFrom(...CRAS), fc.oneof(bytes(64), prefixed), (code, cra, payload) => decodesSafely(code, cra, payload)),
      { numRuns: 3000 },
    );
  });
});

const leaf: fc.Arbitrary<DlmsData> = fc.oneof(
  fc.constant<DlmsData>({ type: 'null-data' }),
  fc.boolean().map((value): DlmsData => ({ type: 'boolean', value })),
  fc.integer({ min: 0, max: 255 }).map((value): DlmsData => ({ type: 'unsigned', value })),
  fc.integer({ min: -128, max: 127 }).map((value): DlmsData => ({ type: 'integer', value })),
  fc.integer({ min: 0, max: 0xffff }).map((value): DlmsData => ({ type: 'long-unsigned', value })),
  fc.integer({ min: -0x8000, max: 0x7fff }).map((value): DlmsData => ({ type: 'long', value })),
  fc.integer({ min: 0, max: 0xffffffff }).map((value): DlmsData => ({ type: 'double-long-unsigned', value })),
  fc.integer({ min: 0, max: 255 }).map((value): DlmsData => ({ type: 'enum', value })),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value): DlmsData => ({ type: 'long64', value })),
  bytes(300).map((value): DlmsData => ({ type: 'octet-string', value })),
  fc.string({ maxLength: 20 }).map((text): DlmsData => ({ type: 'visible-string', value: text.replace(/[^\x20-\x7e]/g, '') })),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((array) => Buffer.from(array)).map((value): DlmsData => ({ type: 'date-time', value })),
  fc.integer({ min: 0, max: 40 }).chain((bits) =>
    fc.uint8Array({ minLength: Math.ceil(bits / 8), maxLength: Math.ceil(bits / 8) }).map((value): DlmsData => ({ type: 'bit-string', bits, value: Buffer.from(value) })),
  ),
);

const { tree } = fc.letrec<{ tree: DlmsData }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('tree'), { maxLength: 4 }).map((items): DlmsData => ({ type: 'structure', items })),
    fc.array(tie('tree'), { maxLength: 4 }).map((items): DlmsData => ({ type: 'array', items })),
  ),
}));

function withoutOffsets(data: DlmsData): unknown {
  return JSON.parse(JSON.stringify(data, (key, value: unknown) => (key === 'at' ? undefined : typeof value === 'bigint' ? `${value}n` : value)));
}

describe('DLMS Data', () => {
  it('decodes what it encodes, for any tree', () => {
    fc.assert(
      fc.property(tree, (data) => {
        const encoded = encodeData(data);
        expect(withoutOffsets(decodeDataBytes(encoded))).toEqual(withoutOffsets(data));
      }),
      { numRuns: 500 },
    );
  });
});

describeRtds('payload decoders on mutated RTDS payloads', () => {
  const samples = loadVectors().map((vector) => {
    const message = decodeMessage(vector.bytes, { allowUnknownMessageCode: true });
    return { code: message.header.messageCode, cra: message.header.cra, payload: message.payload };
  });

  it('throw only PayloadError, and re-encode whatever still decodes', () => {
    const mutation = fc.record({
      sample: fc.constantFrom(...samples),
      position: fc.nat(),
      action: fc.constantFrom('flip', 'insert', 'delete', 'truncate'),
      byte: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(mutation, ({ sample, position, action, byte }) => {
        const payload = Buffer.from(sample.payload);
        const at = position % payload.length;
        let mutated: Buffer;
        if (action === 'flip') mutated = Buffer.from(payload.map((value, i) => (i === at ? value ^ (byte || 1) : value)));
        else if (action === 'insert') mutated = Buffer.concat([payload.subarray(0, at), Buffer.of(byte), payload.subarray(at)]);
        else if (action === 'delete') mutated = Buffer.concat([payload.subarray(0, at), payload.subarray(at + 1)]);
        else mutated = payload.subarray(0, at);
        decodesSafely(sample.code, sample.cra, mutated);
      }),
      { numRuns: 3000 },
    );
  });
});
