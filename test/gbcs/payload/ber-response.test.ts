import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspectMessage } from '../../../src/cli/gbcs.js';
import { decodeMessage, encodeMessage } from '../../../src/gbcs/index.js';
import { decodeBer, decodeDer, encodeDer, type Asn1Node } from '../../../src/gbcs/payload/asn1/der.js';
import { activateFirmwareCommand, encodeAsn1 } from '../../../src/gbcs/payload/asn1/views.js';
import { decodePayload, encodeGeneric, PayloadError } from '../../../src/gbcs/payload/index.js';
import { itWithVectors, vectorBytes } from '../../helpers/rtds.js';

/**
 * ASN.1 payloads the hub only reads (responses and alerts from Devices) are taken as BER: the
 * RTDS CS02b responses give a short length in the long form (30 82 00 CA). Commands, which the
 * hub executes, stay strict DER.
 */
const hex = (text: string) => Buffer.from(text, 'hex');
const CS06 = 0x0012;
const CS02B_SUPPLIER = 0x0102;

function thrown(action: () => unknown): PayloadError {
  try {
    action();
  } catch (error) {
    if (error instanceof PayloadError) return error;
    throw error;
  }
  throw new Error('expected a PayloadError');
}

/** `node` as BER: each length in the long form on `longForm`'s say (octets 0x81 or 0x82), else short where it fits. */
function encodeBer(node: Asn1Node, longForm: () => number): Buffer {
  const content = node.constructed ? Buffer.concat(node.children.map((child) => encodeBer(child, longForm))) : node.value;
  const octets = Math.max(longForm(), content.length < 0x80 ? 0 : content.length < 0x100 ? 1 : 2);
  const length = octets === 0 ? Buffer.of(content.length) : Buffer.concat([Buffer.of(0x80 | octets), Buffer.from(content.length.toString(16).padStart(2 * octets, '0'), 'hex')]);
  const identifier = (node.tagClass << 6) | (node.constructed ? 0x20 : 0) | node.tag;
  return Buffer.concat([Buffer.of(identifier), length, content]);
}

const withoutOffsets = (node: Asn1Node): unknown =>
  node.constructed ? { tagClass: node.tagClass, tag: node.tag, children: node.children.map(withoutOffsets) } : { tagClass: node.tagClass, tag: node.tag, value: node.value.toString('hex') };

function offsets(node: Asn1Node): number[] {
  return [node.at!, ...(node.constructed ? node.children.flatMap(offsets) : [])];
}

describe('ASN.1 payloads read as BER when the hub only inspects them', () => {
  it('reads a CS06 response with a long-form length, and refuses the same form in a command', () => {
    // 30 09 ... with its length as 81 09.
    const response = decodePayload({ messageCode: CS06, cra: 'response', payload: hex('30810902010004040123abce') });
    expect(response.view?.value).toEqual({ responseCode: 0, firmwareVersion: hex('0123abce') });
    expect(response.generic.format === 'asn1' && offsets(response.generic.tree)).toEqual([0, 3, 6]);
    expect(encodeGeneric(response.generic).toString('hex')).toBe('300902010004040123abce');

    const command = encodeAsn1(activateFirmwareCommand, { manufacturerImageHash: Buffer.alloc(32, 0xaa), originatorCounter: 1000 });
    const longForm = Buffer.concat([Buffer.of(0x30, 0x81), command.subarray(1)]);
    expect(decodePayload({ messageCode: CS06, cra: 'command', payload: command }).view?.value).toMatchObject({ originatorCounter: 1000 });
    const refused = thrown(() => decodePayload({ messageCode: CS06, cra: 'command', payload: longForm }));
    expect(refused.message).toMatch(/is BER but not DER/);
    expect(refused.offset).toBe(0);
  });

  it('reads a CS02b response laid out as the RTDS has it: 30 82 00 xx around the NULL and the outcomes', () => {
    const outcome = hex('300702010203020780'); // a trust anchor cell: supplier, digital signature
    const execution = Buffer.concat([hex('020101' + '020102' + '3000'), hex('30' + outcome.length.toString(16).padStart(2, '0')), outcome]);
    const inner = Buffer.concat([hex('308200' + execution.length.toString(16).padStart(2, '0')), execution]);
    const body = Buffer.concat([hex('0500'), inner]);
    const payload = Buffer.concat([hex('308200' + body.length.toString(16).padStart(2, '0')), body]);
    const decoded = decodePayload({ messageCode: CS02B_SUPPLIER, cra: 'response', payload });
    if (decoded.generic.format !== 'asn1' || !decoded.generic.tree.constructed) throw new Error('not an ASN.1 SEQUENCE');
    const [accepted, results] = decoded.generic.tree.children;
    expect(accepted).toMatchObject({ tag: 0x05, at: 4 });
    expect(results).toMatchObject({ tag: 0x10, at: 6, constructed: true });
    // The first INTEGER of the execution record sits after the inner 30 82 00 xx.
    expect(results?.constructed && results.children[0]?.at).toBe(10);
    const der = encodeGeneric(decoded.generic);
    expect(der.length).toBe(payload.length - 4);
    expect(() => decodePayload({ messageCode: CS02B_SUPPLIER, cra: 'command', payload })).toThrow(/is BER but not DER/);
  });

  it('names the BER offset of a member that is wrong, and refuses indefinite lengths and truncation', () => {
    // CS06 response whose responseCode is an OCTET STRING, at byte 3 after 30 81 09.
    const wrongType = thrown(() => decodePayload({ messageCode: CS06, cra: 'response', payload: hex('30810904010004040123abce') }));
    expect(wrongType).toMatchObject({ code: 'BAD_TAG', offset: 3 });
    expect(thrown(() => decodeBer(hex('3080020100' + '0000')))).toMatchObject({ offset: 1, message: expect.stringMatching(/indefinite/) });
    expect(thrown(() => decodeBer(hex('308200090201')))).toMatchObject({ code: 'BAD_VALUE' });
    expect(thrown(() => decodeBer(hex('3081020500' + '00'))).message).toMatch(/ASN\.1 structure/);
  });

  it('shows a BER response decoded in `hub gbcs inspect`', async () => {
    const header = { cra: 'response' as const, originatorCounter: 1000n, originator: '00DB1234567890A0', recipient: '90B3D51F30010000', messageCode: CS06 };
    const bytes = encodeMessage({ header, payload: hex('30810902010004040123abce'), signature: Buffer.alloc(64, 1) });
    const inspection = await inspectMessage(bytes);
    expect(inspection.envelope).toBe('grouping header only');
    expect(inspection.decodedPayload).toMatchObject({ view: 'CS06 response', value: { responseCode: 0 } });
  });

  const RESPONSE = 'CS02bSupplierBySupplier_6.15.1_IMMEDIATE_SUCCESS_RESPONSE_GBCS.HEX';
  itWithVectors(RESPONSE)('reads the RTDS CS02b supplierBySupplier response payload', async () => {
    const message = decodeMessage(vectorBytes(RESPONSE)!);
    expect(message.payload.subarray(0, 4).toString('hex')).toBe('308200ca');
    const decoded = decodePayload({ messageCode: message.header.messageCode, cra: 'response', payload: message.payload });
    expect(decoded.format).toBe('asn1');
    const inspection = await inspectMessage(vectorBytes(RESPONSE)!);
    expect(inspection.decodedPayload).not.toHaveProperty('error');
  });

  const node: fc.Arbitrary<Asn1Node> = fc.letrec<{ node: Asn1Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.uint8Array({ maxLength: 140 }).map((value): Asn1Node => ({ tagClass: 0, tag: 0x04, constructed: false, value: Buffer.from(value) })),
      fc.constant<Asn1Node>({ tagClass: 0, tag: 0x05, constructed: false, value: Buffer.alloc(0) }),
      fc.array(tie('node'), { maxLength: 4 }).map((children): Asn1Node => ({ tagClass: 0, tag: 0x10, constructed: true, children })),
    ),
  })).node;

  it('reads any length forms of a structure as the structure, each offset at its identifier octet (property)', () => {
    fc.assert(
      fc.property(node, fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 40 }), (tree, forms) => {
        let i = 0;
        const ber = encodeBer(tree, () => forms[i++ % forms.length]!);
        const der = encodeDer(tree);
        const read = decodeBer(ber);
        expect(withoutOffsets(read)).toEqual(withoutOffsets(tree));
        expect(encodeDer(read).equals(der)).toBe(true);
        const identifiers = offsets(read).map((at) => ber[at]);
        const expected = offsets(decodeDer(der)).map((at) => der[at]);
        expect(identifiers).toEqual(expected);
        if (!ber.equals(der)) expect(() => decodeDer(ber)).toThrow(/is BER but not DER/);
      }),
      { numRuns: 300 },
    );
  });

  it('throws only PayloadError for any bytes (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 60 }).map((rest) => Uint8Array.from([0x30, 0x82, 0x00, rest.length, ...rest]))), (bytes) => {
        try {
          decodeBer(Buffer.from(bytes));
        } catch (error) {
          if (!(error instanceof PayloadError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });
});
