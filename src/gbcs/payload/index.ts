/**
 * The payloads inside the GBCS envelope: DLMS COSEM, GBZ and ASN.1 DER, each decoded to a
 * generic tree and, where the use case is known, to a typed view; and encoded back byte for byte
 * (but an ASN.1 response or alert, read as BER, comes back in its DER form).
 * Decoders throw only PayloadError (a GbcsError naming the payload offset and field).
 */
import type { Cra } from '../constants.js';
import { messageCodeEntry, type PayloadFormat } from '../message-codes.js';
import { decodeBer, decodeDer, encodeDer } from './asn1/der.js';
import { decodeDlms, encodeDlms } from './dlms/apdu.js';
import { PayloadError, guardDecode } from './errors.js';
import { decodeGbz, encodeGbz } from './gbz/codec.js';
import type { DecodedPayload, GenericPayload, PayloadContext } from './types.js';
import { PAYLOAD_VIEWS } from './views.js';

export { PayloadError } from './errors.js';
export * as dlms from './dlms/index.js';
export * as gbz from './gbz/index.js';
export * as asn1 from './asn1/index.js';
export { PAYLOAD_VIEWS, type PayloadCodec, type ViewsByCra } from './views.js';
export { describePayload, describeValue, payloadToJson } from './describe.js';

export type { DecodedPayload, GenericPayload, PayloadContext } from './types.js';

/** The format from the message code table, else from the payload's first bytes. */
export function payloadFormatOf(context: Pick<PayloadContext, 'messageCode' | 'payload'>): PayloadFormat | undefined {
  const listed = messageCodeEntry(context.messageCode)?.payload;
  if (listed) return listed;
  const [first, second] = context.payload;
  if (first === 0xd9 || first === 0xda || first === 0x0f) return 'dlms';
  if (first === 0x01 && second === 0x09) return 'gbz';
  if (first === 0x30 || first === 0x05) return 'asn1';
  return undefined;
}

export function decodeGeneric(format: PayloadFormat, payload: Buffer, cra: Cra): GenericPayload {
  switch (format) {
    case 'dlms':
      return { format, tree: guardDecode('DLMS APDU', () => decodeDlms(payload)) };
    case 'gbz':
      return { format, tree: guardDecode('GBZ payload', () => decodeGbz(payload, { alert: cra === 'alert' })) };
    case 'asn1':
      // Commands, which the hub executes, must be DER; what Devices send back it only reads (one RTDS response is BER).
      return { format, tree: guardDecode('ASN.1 structure', () => (cra === 'command' ? decodeDer(payload) : decodeBer(payload))) };
  }
}

export function encodeGeneric(generic: GenericPayload): Buffer {
  switch (generic.format) {
    case 'dlms':
      return encodeDlms(generic.tree);
    case 'gbz':
      return encodeGbz(generic.tree);
    case 'asn1':
      return encodeDer(generic.tree);
  }
}

/** Generic tree and typed view of one payload. Throws only PayloadError. */
export function decodePayload(context: PayloadContext): DecodedPayload {
  const format = payloadFormatOf(context);
  if (!format) throw new PayloadError('BAD_VALUE', 'payload', 'its format (DLMS, GBZ or ASN.1) is not known for this message code', 0);
  const generic = decodeGeneric(format, context.payload, context.cra);
  const useCase = messageCodeEntry(context.messageCode)?.useCase;
  const codec = useCase ? PAYLOAD_VIEWS.get(useCase)?.[context.cra] : undefined;
  if (!useCase || !codec) return { format, generic };
  const value = guardDecode(`${useCase} ${context.cra}`, () => codec.decode(context.payload, generic));
  return { format, generic, view: { useCase, cra: context.cra, value } };
}

/** The payload bytes for a typed view (a response or alert the hub builds). */
export function encodePayloadView(useCase: string, cra: Cra, value: unknown): Buffer {
  const codec = PAYLOAD_VIEWS.get(useCase)?.[cra];
  if (!codec) throw new PayloadError('BAD_VALUE', 'payload', `no typed ${cra} view for ${useCase}`);
  return codec.encode(value);
}
