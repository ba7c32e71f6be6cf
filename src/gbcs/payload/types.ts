import type { Cra } from '../constants.js';
import type { PayloadFormat } from '../message-codes.js';
import type { Asn1Node } from './asn1/der.js';
import type { DlmsApdu } from './dlms/apdu.js';
import type { GbzPayload } from './gbz/codec.js';

export type GenericPayload =
  | { format: 'dlms'; tree: DlmsApdu }
  | { format: 'gbz'; tree: GbzPayload }
  | { format: 'asn1'; tree: Asn1Node };

export interface DecodedPayload {
  format: PayloadFormat;
  generic: GenericPayload;
  /** The typed view, when this hub has one for the use case and CRA. */
  view?: { useCase: string; cra: Cra; value: unknown };
}

export interface PayloadContext {
  messageCode: number;
  cra: Cra;
  payload: Buffer;
}
