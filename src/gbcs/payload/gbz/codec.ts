import { PayloadError } from '../errors.js';
import { PayloadReader, hex4, uintBytes } from '../reader.js';
import { commandLayout, FIELD_SIZE, type CommandLayout, type Direction } from './clusters.js';
import {
  PROFILE_COMMAND,
  decodeReadAttributes,
  decodeReadAttributesResponse,
  encodeReadAttributes,
  encodeReadAttributesResponse,
  type AttributeRecord,
} from './zcl.js';

/**
 * GBZ: ZigBee cluster commands in a GBCS payload. A profile id (0x0109, Smart Energy), a count,
 * then components: an extended header (control, cluster id, length; an optional "from" time,
 * or for an encrypted component an additional header), a ZCL header and the ZCL payload, which
 * for an encrypted component is a ciphered block (security header, ciphertext, 12-byte tag).
 */
export const GBZ_PROFILE_ID = 0x0109;

export const EXTENDED_HEADER_CONTROL = { lastComponent: 0x01, encrypted: 0x02, fromDateTime: 0x10 } as const;

const FRAME_CONTROL = { clusterSpecific: 0x01, manufacturerSpecific: 0x04, toClient: 0x08 } as const;

/** GBZ alert codes whose body is a future-dated execution outcome. */
const FUTURE_DATED_ALERTS: readonly number[] = [0x8f66, 0x8f67];

export interface ZclHeader {
  frameControl: number;
  manufacturerCode?: number;
  sequence: number;
  commandId: number;
}

export type ZclFields = Record<string, number | Buffer | number[]>;

export type ZclBody =
  | { kind: 'read-attributes'; attributeIds: number[] }
  | { kind: 'read-attributes-response'; records: AttributeRecord[] }
  | { kind: 'default-response'; commandId: number; status: number }
  | { kind: 'command'; name: string; fields: ZclFields; trailing?: Buffer }
  | { kind: 'raw'; bytes: Buffer };

/** An encrypted component's payload, as it travels (decrypt it with decryptGbzComponent). */
export interface CipheredBody {
  kind: 'ciphered';
  securityControl: number;
  invocationCounter: number;
  ciphertext: Buffer;
  mac: Buffer;
}

export interface GbzComponent {
  /** Extended header control: bit 0 last component, bit 1 encrypted, bit 4 "from" date-time present. */
  control: number;
  clusterId: number;
  /** GBCS UTC time (seconds since 2000), when bit 4 of the control says it is present. */
  fromDateTime?: number;
  /** Encrypted components only. */
  additionalHeader?: { control: number; frameCounter: number };
  zcl: ZclHeader;
  body: ZclBody | CipheredBody;
}

export interface GbzComponents {
  gbz: 'components';
  profileId: number;
  components: GbzComponent[];
}

export type GbzAlertBody =
  | { kind: 'future-dated'; messageCode: number; originatorCounter: bigint; clusterId: number; frameControl: number; commandId: number }
  | { kind: 'raw'; bytes: Buffer };

export interface GbzAlert {
  gbz: 'alert';
  profileId: number;
  componentCount: number;
  alertCode: number;
  /** GBCS UTC time (seconds since 2000). */
  timestamp: number;
  body: GbzAlertBody;
}

export type GbzPayload = GbzComponents | GbzAlert;

const MAC_LENGTH = 12;
const SECURITY_HEADER_LENGTH = 5;

/** A GBZ payload; `alert` says whether it is a GBZ alert (the CRA flag tells). Throws only PayloadError. */
export function decodeGbz(payload: Buffer, options: { alert: boolean }): GbzPayload {
  const reader: PayloadReader = new PayloadReader(payload);
  const profileId = reader.uintBE(2, 'profile id');
  if (profileId !== GBZ_PROFILE_ID) reader.fail('BAD_VALUE', 'profile id', `0x${hex4(profileId)} is not the GBZ profile 0x0109`, 0);
  const countAt = reader.offset;
  const count = reader.u8('component count');
  if (options.alert) return decodeAlert(reader, profileId, count);
  if (count === 0) reader.fail('BAD_VALUE', 'component count', 'a GBZ payload has at least one component', countAt);
  const components: GbzComponent[] = [];
  for (let i = 0; i < count; i++) components.push(decodeComponent(reader, `component[${i}]`, i === count - 1));
  reader.finish('end of GBZ payload');
  return { gbz: 'components', profileId, components };
}

function decodeAlert(reader: PayloadReader, profileId: number, componentCount: number): GbzAlert {
  const alertCode = reader.uintBE(2, 'alert code');
  const timestamp = reader.uintBE(4, 'alert timestamp');
  let body: GbzAlertBody;
  if (FUTURE_DATED_ALERTS.includes(alertCode)) {
    const inner = reader.slice(reader.u8('future-dated outcome length'), 'future-dated outcome');
    body = {
      kind: 'future-dated',
      messageCode: inner.uintBE(2, 'message code'),
      originatorCounter: inner.take(8, 'originator counter').readBigUInt64BE(),
      clusterId: inner.uintBE(2, 'cluster id'),
      frameControl: inner.u8('frame control'),
      commandId: inner.u8('command id'),
    };
    inner.finish('future-dated outcome');
  } else {
    body = { kind: 'raw', bytes: reader.rest('alert body') };
  }
  reader.finish('end of GBZ alert');
  return { gbz: 'alert', profileId, componentCount, alertCode, timestamp, body };
}

function decodeComponent(reader: PayloadReader, field: string, last: boolean): GbzComponent {
  const controlAt = reader.offset;
  const control = reader.u8(`${field} extended header control`);
  if (Boolean(control & EXTENDED_HEADER_CONTROL.lastComponent) !== last) {
    reader.fail('BAD_VALUE', `${field} extended header control`, last ? 'the last component must say so' : 'only the last component may say it is last', controlAt);
  }
  const clusterId = reader.uintBE(2, `${field} cluster id`);
  const inner = reader.slice(reader.uintBE(2, `${field} length`), field);
  const component: Omit<GbzComponent, 'zcl' | 'body'> = { control, clusterId };
  if (control & EXTENDED_HEADER_CONTROL.encrypted) {
    component.additionalHeader = { control: inner.u8(`${field} additional header control`), frameCounter: inner.u8(`${field} additional frame counter`) };
  } else if (control & EXTENDED_HEADER_CONTROL.fromDateTime) {
    component.fromDateTime = inner.uintBE(4, `${field} from date-time`);
  }
  const zcl = decodeZclHeader(inner, field);
  const body = control & EXTENDED_HEADER_CONTROL.encrypted ? decodeCiphered(inner, field) : decodeZclBody(inner, clusterId, zcl, field);
  inner.finish(field);
  return { ...component, zcl, body };
}

function decodeZclHeader(reader: PayloadReader, field: string): ZclHeader {
  const frameControl = reader.u8(`${field} ZCL frame control`);
  const manufacturerCode = frameControl & FRAME_CONTROL.manufacturerSpecific ? reader.uintLE(2, `${field} manufacturer code`) : undefined;
  const sequence = reader.u8(`${field} ZCL sequence number`);
  const commandId = reader.u8(`${field} ZCL command id`);
  return { frameControl, ...(manufacturerCode === undefined ? {} : { manufacturerCode }), sequence, commandId };
}

function decodeCiphered(reader: PayloadReader, field: string): CipheredBody {
  const lengthAt = reader.offset;
  const inner = reader.slice(reader.uintBE(2, `${field} ciphered information length`), `${field} ciphered information`);
  if (inner.remaining < SECURITY_HEADER_LENGTH + MAC_LENGTH) {
    inner.fail('BAD_LENGTH', `${field} ciphered information`, `${inner.remaining} bytes cannot hold a security header and a MAC`, lengthAt);
  }
  const securityControl = inner.u8(`${field} security control`);
  const invocationCounter = inner.uintBE(4, `${field} invocation counter`);
  const ciphertext = inner.take(inner.remaining - MAC_LENGTH, `${field} ciphertext`);
  return { kind: 'ciphered', securityControl, invocationCounter, ciphertext, mac: inner.take(MAC_LENGTH, `${field} MAC`) };
}

function direction(frameControl: number): Direction {
  return frameControl & FRAME_CONTROL.toClient ? 'toClient' : 'toServer';
}

/** The ZCL payload of one component, read by command; `reader` ends where the payload ends. */
export function decodeZclBody(reader: PayloadReader, clusterId: number, zcl: ZclHeader, field = 'ZCL payload'): ZclBody {
  if (!(zcl.frameControl & FRAME_CONTROL.clusterSpecific)) {
    if (zcl.commandId === PROFILE_COMMAND.readAttributes) return { kind: 'read-attributes', attributeIds: decodeReadAttributes(reader) };
    if (zcl.commandId === PROFILE_COMMAND.readAttributesResponse) return { kind: 'read-attributes-response', records: decodeReadAttributesResponse(reader) };
    if (zcl.commandId === PROFILE_COMMAND.defaultResponse) {
      const body: ZclBody = { kind: 'default-response', commandId: reader.u8(`${field} command id`), status: reader.u8(`${field} status`) };
      reader.finish(field);
      return body;
    }
    return { kind: 'raw', bytes: reader.rest(field) };
  }
  const layout = commandLayout(clusterId, direction(zcl.frameControl), zcl.commandId);
  if (!layout) return { kind: 'raw', bytes: reader.rest(field) };
  return decodeCommand(reader, layout, field);
}

function decodeCommand(reader: PayloadReader, layout: CommandLayout, field: string): ZclBody {
  const fields: ZclFields = {};
  for (const [name, type] of layout.fields) {
    if (type === 'octetString') fields[name] = reader.take(reader.u8(`${field} ${name} length`), `${field} ${name}`);
    else fields[name] = readNumber(reader, type, `${field} ${name}`);
  }
  if (layout.repeated) {
    const { name, type, countField } = layout.repeated;
    const count = fields[countField] as number;
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(readNumber(reader, type as keyof typeof FIELD_SIZE, `${field} ${name}[${i}]`));
    fields[name] = values;
  }
  const trailing = reader.atEnd ? undefined : reader.rest(`${field} trailing octets`);
  return { kind: 'command', name: layout.name, fields, ...(trailing ? { trailing } : {}) };
}

function readNumber(reader: PayloadReader, type: keyof typeof FIELD_SIZE, field: string): number {
  const { size, signed } = FIELD_SIZE[type];
  return signed ? reader.take(size, field).readIntLE(0, size) : reader.uintLE(size, field);
}

/** A GBZ payload to bytes: the exact inverse of decodeGbz. Throws only PayloadError. */
export function encodeGbz(payload: GbzPayload): Buffer {
  const head = uintBytes(payload.profileId, 2, 'profile id');
  if (payload.gbz === 'alert') {
    const parts = [head, uintBytes(payload.componentCount, 1, 'component count'), uintBytes(payload.alertCode, 2, 'alert code'), uintBytes(payload.timestamp, 4, 'alert timestamp')];
    const body = payload.body;
    if (body.kind === 'raw') parts.push(body.bytes);
    else {
      const counter = Buffer.alloc(8);
      counter.writeBigUInt64BE(body.originatorCounter);
      const inner = Buffer.concat([uintBytes(body.messageCode, 2, 'message code'), counter, uintBytes(body.clusterId, 2, 'cluster id'), Buffer.of(body.frameControl, body.commandId)]);
      parts.push(Buffer.of(inner.length), inner);
    }
    return Buffer.concat(parts);
  }
  const components = payload.components.map((component, i) => encodeComponent(component, `component[${i}]`));
  return Buffer.concat([head, uintBytes(payload.components.length, 1, 'component count'), ...components]);
}

function encodeComponent(component: GbzComponent, field: string): Buffer {
  const encrypted = Boolean(component.control & EXTENDED_HEADER_CONTROL.encrypted);
  const parts: Buffer[] = [];
  if (encrypted) {
    if (!component.additionalHeader || component.body.kind !== 'ciphered') throw new PayloadError('BAD_VALUE', field, 'an encrypted component needs an additional header and a ciphered body');
    parts.push(Buffer.of(component.additionalHeader.control, component.additionalHeader.frameCounter));
  } else if (component.control & EXTENDED_HEADER_CONTROL.fromDateTime) {
    if (component.fromDateTime === undefined) throw new PayloadError('BAD_VALUE', field, 'the control says a "from" date-time follows');
    parts.push(uintBytes(component.fromDateTime, 4, `${field} from date-time`));
  }
  const zcl = component.zcl;
  parts.push(Buffer.of(zcl.frameControl));
  if (zcl.frameControl & FRAME_CONTROL.manufacturerSpecific) parts.push(uintBytes(zcl.manufacturerCode ?? 0, 2, `${field} manufacturer code`, 'LE'));
  parts.push(Buffer.of(zcl.sequence, zcl.commandId));
  parts.push(component.body.kind === 'ciphered' ? encodeCiphered(component.body, field) : encodeZclBody(component.body, component.clusterId, zcl, field));
  const inner = Buffer.concat(parts);
  return Buffer.concat([Buffer.of(component.control), uintBytes(component.clusterId, 2, `${field} cluster id`), uintBytes(inner.length, 2, `${field} length`), inner]);
}

function encodeCiphered(body: CipheredBody, field: string): Buffer {
  if (body.mac.length !== MAC_LENGTH) throw new PayloadError('BAD_VALUE', `${field} MAC`, `a MAC is ${MAC_LENGTH} bytes`);
  const info = Buffer.concat([Buffer.of(body.securityControl), uintBytes(body.invocationCounter, 4, `${field} invocation counter`), body.ciphertext, body.mac]);
  return Buffer.concat([uintBytes(info.length, 2, `${field} ciphered information length`), info]);
}

export function encodeZclBody(body: ZclBody, clusterId: number, zcl: ZclHeader, field = 'ZCL payload'): Buffer {
  switch (body.kind) {
    case 'read-attributes':
      return encodeReadAttributes(body.attributeIds);
    case 'read-attributes-response':
      return encodeReadAttributesResponse(body.records);
    case 'default-response':
      return Buffer.of(body.commandId, body.status);
    case 'raw':
      return body.bytes;
    case 'command': {
      const layout = commandLayout(clusterId, direction(zcl.frameControl), zcl.commandId);
      if (!layout) throw new PayloadError('BAD_VALUE', field, `no layout for command 0x${zcl.commandId.toString(16)} of cluster 0x${hex4(clusterId)}`);
      return encodeCommand(body.fields, layout, body.trailing, field);
    }
  }
}

function encodeCommand(fields: ZclFields, layout: CommandLayout, trailing: Buffer | undefined, field: string): Buffer {
  const parts: Buffer[] = [];
  for (const [name, type] of layout.fields) parts.push(writeField(fields[name], type, `${field} ${name}`));
  if (layout.repeated) {
    const values = fields[layout.repeated.name];
    if (!Array.isArray(values) || values.length !== fields[layout.repeated.countField]) {
      throw new PayloadError('BAD_VALUE', `${field} ${layout.repeated.name}`, `needs as many values as ${layout.repeated.countField} says`);
    }
    values.forEach((value, i) => parts.push(writeField(value, layout.repeated!.type, `${field} ${layout.repeated!.name}[${i}]`)));
  }
  if (trailing) parts.push(trailing);
  return Buffer.concat(parts);
}

function writeField(value: number | Buffer | number[] | undefined, type: CommandLayout['fields'][number][1], field: string): Buffer {
  if (type === 'octetString') {
    if (!Buffer.isBuffer(value)) throw new PayloadError('BAD_VALUE', field, 'expected octets');
    return Buffer.concat([uintBytes(value.length, 1, `${field} length`), value]);
  }
  if (typeof value !== 'number') throw new PayloadError('BAD_VALUE', field, 'expected a number');
  const { size, signed } = FIELD_SIZE[type];
  if (!signed) return uintBytes(value, size, field, 'LE');
  const limit = 2 ** (8 * size - 1);
  if (!Number.isInteger(value) || value < -limit || value >= limit) throw new PayloadError('BAD_VALUE', field, `${value} does not fit ${type}`);
  const bytes = Buffer.alloc(size);
  bytes.writeIntLE(value, 0, size);
  return bytes;
}
