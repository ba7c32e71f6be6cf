import type { Cra } from '../constants.js';
import { decodeAsn1, encodeAsn1 } from './asn1/views.js';
import * as asn1 from './asn1/views.js';
import type { Asn1Shape } from './asn1/shape.js';
import * as chf from './dlms/chf.js';
import type { AccessUseCase, AlertUseCase, Steps } from './dlms/views.js';
import { decodeGbz, encodeGbz, type GbzPayload } from './gbz/codec.js';
import type { DlmsApdu } from './dlms/index.js';
import type { GenericPayload } from './types.js';

/**
 * Which typed view reads each use case's command, response and alert: message code → use case
 * (message-codes.ts) → this table → a codec that decodes to, and encodes from, a typed value.
 */
export interface PayloadCodec<T> {
  /** `generic`: the same payload already decoded to its format's tree, when the caller has it (it is not decoded twice). */
  decode(payload: Buffer, generic?: GenericPayload): T;
  encode(value: T): Buffer;
}

export type ViewsByCra = Partial<Record<Cra, PayloadCodec<unknown>>>;

const dlmsInput = (payload: Buffer, generic: GenericPayload | undefined): Buffer | DlmsApdu => (generic?.format === 'dlms' ? generic.tree : payload);

function access<S extends Steps>(useCase: AccessUseCase<S>): ViewsByCra {
  return {
    command: { decode: (payload, generic) => useCase.decodeCommand(dlmsInput(payload, generic)), encode: (value) => useCase.encodeCommand(value as never) },
    response: { decode: (payload, generic) => useCase.decodeResponse(dlmsInput(payload, generic)), encode: (value) => useCase.encodeResponse(value as never) },
  };
}

function dlmsAlert<T>(useCase: AlertUseCase<T>): ViewsByCra {
  return { alert: { decode: (payload, generic) => useCase.decode(dlmsInput(payload, generic)), encode: (value) => useCase.encode(value as never) } };
}

function asn1Codec<T>(shape: Asn1Shape<T>): PayloadCodec<unknown> {
  // The generic tree is DER-checked for a command and BER-read otherwise (decodeGeneric).
  const decode = (payload: Buffer, generic?: GenericPayload) => (generic?.format === 'asn1' ? shape.decode(generic.tree, 'payload') : decodeAsn1(shape, payload));
  return { decode, encode: (value) => encodeAsn1(shape, value as T) };
}

/** GBZ payloads are typed by the codec itself (components, attribute records, cluster command fields). */
function gbz(alert: boolean): PayloadCodec<unknown> {
  // The generic GBZ tree is this view already (decoded with the same alert flag).
  return { decode: (payload, generic) => (generic?.format === 'gbz' ? generic.tree : decodeGbz(payload, { alert })), encode: (value) => encodeGbz(value as GbzPayload) };
}

const GBZ_VIEWS: ViewsByCra = { command: gbz(false), response: gbz(false), alert: gbz(true) };

export const PAYLOAD_VIEWS: ReadonlyMap<string, ViewsByCra> = new Map<string, ViewsByCra>([
  ['CCS01', access(chf.CCS01)],
  ['CCS02', access(chf.CCS02)],
  ['CCS03', access(chf.CCS03)],
  ['CCS04', access(chf.CCS04)],
  ['CCS06', access(chf.CCS06)],
  ['CCS07', access(chf.CCS07)],
  ['ECS35c', access(chf.ECS35c)],
  ['ECS35d', access(chf.ECS35d)],
  ['DBCH01', access(chf.DBCH01)],
  ['DBCH03', access(chf.DBCH03)],
  ['DBCH04', access(chf.DBCH04)],
  ['CS14', dlmsAlert(chf.CS14)],
  ['DBCH07', dlmsAlert(chf.DBCH07)],
  ['DBCH09', dlmsAlert(chf.DBCH09)],
  ['CCS08', { alert: asn1Codec(asn1.firmwareTransferAlert) }],
  ['GCS62', { alert: asn1Codec(asn1.gpfDeviceLogBackupAlert) }],
  ['CS06', {
    command: asn1Codec(asn1.activateFirmwareCommand),
    response: asn1Codec(asn1.activateFirmwareResponse),
    alert: asn1Codec(asn1.activateFirmwareAlert),
  }],
  ['CS08', { command: asn1Codec(asn1.readFirmwareVersionCommand), response: asn1Codec(asn1.readFirmwareVersionResponse) }],
  ...['GCS09', 'GCS11', 'GCS13a', 'GCS13b', 'GCS13c', 'GCS14', 'GCS16b', 'GCS60', 'GCS60a', 'GCS61', 'GCS02', 'GCS04', 'GCS07', 'FDA-GBZ'].map((useCase): [string, ViewsByCra] => [useCase, GBZ_VIEWS]),
]);
