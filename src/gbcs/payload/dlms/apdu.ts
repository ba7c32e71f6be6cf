import { PayloadError } from '../errors.js';
import { PayloadReader, encodeAxdrLength, hex2, uintBytes } from '../reader.js';
import { dataContext, decodeData, encodeData, type DataContext } from './data.js';
import type { DlmsData } from './types.js';

/**
 * The xDLMS APDUs GBCS carries: ACCESS request and response (long-invoke-id, optional date-time,
 * one specification and one Data item per access) and DATA-NOTIFICATION for alerts.
 */
export const APDU_TAG = { accessRequest: 0xd9, accessResponse: 0xda, dataNotification: 0x0f } as const;

/** A COSEM object's attribute or method: class id, logical name (OBIS, e.g. `0-0:30.3.0.255`) and member id. */
export interface CosemReference {
  classId: number;
  instance: string;
  /** Attribute id for get/set, method id for action. */
  member: number;
}

export type AccessRequestSpec =
  | { kind: 'get' | 'set' | 'action'; target: CosemReference }
  | { kind: 'get-with-selection'; target: CosemReference; selector: number; parameters: DlmsData };

export type AccessKind = 'get' | 'set' | 'action';

export interface AccessResponseSpec {
  kind: AccessKind;
  /** Data-Access-Result (get/set) or Action-Result (action); 0 is success. */
  result: number;
}

export interface AccessRequest {
  apdu: 'access-request';
  /** Long-invoke-id-and-priority; a response echoes it. */
  invokeId: number;
  /** The optional date-time octet string (GBCS sends it empty). */
  dateTime?: Buffer;
  specs: AccessRequestSpec[];
  /** One item per spec, in order; null-data where the access takes no value. */
  data: DlmsData[];
}

export interface AccessResponse {
  apdu: 'access-response';
  invokeId: number;
  dateTime?: Buffer;
  data: DlmsData[];
  specs: AccessResponseSpec[];
}

export interface DataNotification {
  apdu: 'data-notification';
  invokeId: number;
  dateTime?: Buffer;
  body: DlmsData;
}

export type DlmsApdu = AccessRequest | AccessResponse | DataNotification;

const REQUEST_CHOICE: ReadonlyArray<[choice: number, kind: AccessRequestSpec['kind']]> = [
  [1, 'get'],
  [2, 'set'],
  [3, 'action'],
  [4, 'get-with-selection'],
];
const RESPONSE_CHOICE: ReadonlyArray<[choice: number, kind: AccessKind]> = [
  [1, 'get'],
  [2, 'set'],
  [3, 'action'],
];

/** A GBCS DLMS payload. Throws only PayloadError. */
export function decodeDlms(payload: Buffer): DlmsApdu {
  const reader: PayloadReader = new PayloadReader(payload);
  const context = dataContext(payload.length);
  const tag = reader.peek('APDU tag');
  const decode = DECODERS.get(tag);
  if (!decode) reader.fail('BAD_TAG', 'APDU tag', `0x${hex2(tag)} is not an ACCESS request (D9), response (DA) or DATA-NOTIFICATION (0F)`);
  const apdu = decode(reader, context);
  reader.finish('end of APDU');
  return apdu;
}

const DECODERS: ReadonlyMap<number, (reader: PayloadReader, context: DataContext) => DlmsApdu> = new Map<number, (reader: PayloadReader, context: DataContext) => DlmsApdu>([
  [APDU_TAG.accessRequest, (reader, context) => decodeAccessRequest(reader, context)],
  [APDU_TAG.accessResponse, (reader, context) => decodeAccessResponse(reader, context)],
  [APDU_TAG.dataNotification, (reader, context) => decodeDataNotification(reader, context)],
]);

function header(reader: PayloadReader): { invokeId: number; dateTime?: Buffer } {
  reader.u8('APDU tag');
  const invokeId = reader.uintBE(4, 'long-invoke-id-and-priority');
  const length = reader.length('date-time length');
  if (length === 0) return { invokeId };
  return { invokeId, dateTime: reader.take(length, 'date-time') };
}

function decodeAccessRequest(reader: PayloadReader, context: DataContext): AccessRequest {
  const head = header(reader);
  const count = reader.length('access request specification count');
  const specs: AccessRequestSpec[] = [];
  for (let i = 0; i < count; i++) specs.push(decodeRequestSpec(reader, context, `access request specification[${i}]`));
  const dataCount = reader.length('access request data count');
  if (dataCount !== count) reader.fail('BAD_VALUE', 'access request data count', `${dataCount} data items for ${count} specifications`, reader.offset - 1);
  const data: DlmsData[] = [];
  for (let i = 0; i < dataCount; i++) data.push(decodeData(reader, context, `access request data[${i}]`));
  return { apdu: 'access-request', ...head, specs, data };
}

function decodeRequestSpec(reader: PayloadReader, context: DataContext, field: string): AccessRequestSpec {
  const at = reader.offset;
  const choice = reader.u8(`${field} choice`);
  const kind = REQUEST_CHOICE.find(([value]) => value === choice)?.[1];
  if (!kind) reader.fail('BAD_VALUE', field, `choice ${choice} is not get (1), set (2), action (3) or get-with-selection (4)`, at);
  const target = decodeReference(reader, field);
  if (kind !== 'get-with-selection') return { kind, target };
  const selector = reader.u8(`${field} access selector`);
  return { kind, target, selector, parameters: decodeData(reader, context, `${field} access parameters`) };
}

function decodeReference(reader: PayloadReader, field: string): CosemReference {
  const classId = reader.uintBE(2, `${field} class id`);
  const instance = obisFromBytes(reader.take(6, `${field} instance id`));
  return { classId, instance, member: reader.u8(`${field} member id`) };
}

function decodeAccessResponse(reader: PayloadReader, context: DataContext): AccessResponse {
  const head = header(reader);
  reader.expect(0x00, 'access request specification (GBCS leaves it out)');
  const dataCount = reader.length('access response data count');
  const data: DlmsData[] = [];
  for (let i = 0; i < dataCount; i++) data.push(decodeData(reader, context, `access response data[${i}]`));
  const countAt = reader.offset;
  const count = reader.length('access response specification count');
  if (count !== dataCount) reader.fail('BAD_VALUE', 'access response specification count', `${count} results for ${dataCount} data items`, countAt);
  const specs: AccessResponseSpec[] = [];
  for (let i = 0; i < count; i++) {
    const field = `access response specification[${i}]`;
    const at = reader.offset;
    const choice = reader.u8(`${field} choice`);
    const kind = RESPONSE_CHOICE.find(([value]) => value === choice)?.[1];
    if (!kind) reader.fail('BAD_VALUE', field, `choice ${choice} is not get (1), set (2) or action (3)`, at);
    specs.push({ kind, result: reader.u8(`${field} result`) });
  }
  return { apdu: 'access-response', ...head, data, specs };
}

function decodeDataNotification(reader: PayloadReader, context: DataContext): DataNotification {
  const head = header(reader);
  return { apdu: 'data-notification', ...head, body: decodeData(reader, context, 'notification body') };
}

/** An APDU to bytes: the exact inverse of decodeDlms. Throws only PayloadError. */
export function encodeDlms(apdu: DlmsApdu): Buffer {
  switch (apdu.apdu) {
    case 'access-request': {
      if (apdu.data.length !== apdu.specs.length) throw new PayloadError('BAD_VALUE', 'access request data', 'one data item is needed per specification');
      return Buffer.concat([
        encodeHeader(APDU_TAG.accessRequest, apdu),
        encodeAxdrLength(apdu.specs.length),
        ...apdu.specs.map((spec, i) => encodeRequestSpec(spec, `access request specification[${i}]`)),
        encodeAxdrLength(apdu.data.length),
        ...apdu.data.map((item, i) => encodeData(item, `access request data[${i}]`)),
      ]);
    }
    case 'access-response': {
      if (apdu.data.length !== apdu.specs.length) throw new PayloadError('BAD_VALUE', 'access response data', 'one data item is needed per result');
      return Buffer.concat([
        encodeHeader(APDU_TAG.accessResponse, apdu),
        Buffer.of(0x00),
        encodeAxdrLength(apdu.data.length),
        ...apdu.data.map((item, i) => encodeData(item, `access response data[${i}]`)),
        encodeAxdrLength(apdu.specs.length),
        ...apdu.specs.map((spec, i) => Buffer.of(choiceOf(RESPONSE_CHOICE, spec.kind), byte(spec.result, `access response specification[${i}] result`))),
      ]);
    }
    case 'data-notification':
      return Buffer.concat([encodeHeader(APDU_TAG.dataNotification, apdu), encodeData(apdu.body, 'notification body')]);
  }
}

function encodeHeader(tag: number, apdu: { invokeId: number; dateTime?: Buffer }): Buffer {
  const dateTime = apdu.dateTime ?? Buffer.alloc(0);
  return Buffer.concat([Buffer.of(tag), uintBytes(apdu.invokeId, 4, 'long-invoke-id-and-priority'), encodeAxdrLength(dateTime.length), dateTime]);
}

function encodeRequestSpec(spec: AccessRequestSpec, field: string): Buffer {
  const target = spec.target;
  const parts = [
    Buffer.of(choiceOf(REQUEST_CHOICE, spec.kind)),
    uintBytes(target.classId, 2, `${field} class id`),
    obisToBytes(target.instance, `${field} instance id`),
    Buffer.of(byte(target.member, `${field} member id`)),
  ];
  if (spec.kind === 'get-with-selection') parts.push(Buffer.of(byte(spec.selector, `${field} access selector`)), encodeData(spec.parameters, `${field} access parameters`));
  return Buffer.concat(parts);
}

function choiceOf<K extends string>(table: ReadonlyArray<[number, K]>, kind: K): number {
  return table.find(([, name]) => name === kind)![0];
}

function byte(value: number, field: string): number {
  return uintBytes(value, 1, field)[0]!;
}

/** `0-0:30.3.0.255` from six bytes. */
export function obisFromBytes(bytes: Buffer): string {
  const [a, b, c, d, e, f] = bytes;
  return `${a}-${b}:${c}.${d}.${e}.${f}`;
}

const OBIS = /^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function obisToBytes(obis: string, field = 'OBIS code'): Buffer {
  const match = OBIS.exec(obis);
  const values = match?.slice(1).map(Number);
  if (!values || values.some((value) => value > 255)) throw new PayloadError('BAD_VALUE', field, `"${obis}" is not an OBIS code like 0-0:30.3.0.255`);
  return Buffer.from(values);
}
