import { ZclError } from './errors.js';

/**
 * The ZCL frame header: frame control, an optional manufacturer code, the transaction sequence
 * number and the command id. Bits 5-7 of the frame control are reserved; a receiver ignores them
 * (as ZCL asks), so they are neither kept nor sent.
 */
export type FrameType = 'global' | 'cluster';
export type Direction = 'clientToServer' | 'serverToClient';

export interface ZclHeader {
  frameType: FrameType;
  /** Present only in manufacturer-specific frames. */
  manufacturerCode?: number;
  direction: Direction;
  disableDefaultResponse: boolean;
  /** Transaction sequence number, 0..255; a response echoes the request's. */
  sequence: number;
  commandId: number;
}

export interface ZclFrame {
  header: ZclHeader;
  payload: Buffer;
}

const FRAME_TYPE_MASK = 0x03;
const MANUFACTURER_SPECIFIC = 0x04;
const SERVER_TO_CLIENT = 0x08;
const DISABLE_DEFAULT_RESPONSE = 0x10;
const FRAME_TYPES: readonly FrameType[] = ['global', 'cluster'];

function checkByte(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new ZclError('ZCL_BAD_VALUE', `${what} ${value} is not 0..255`);
}

export function encodeZclFrame(frame: ZclFrame): Buffer {
  const { header } = frame;
  checkByte(header.sequence, 'sequence');
  checkByte(header.commandId, 'command id');
  const manufacturer = header.manufacturerCode;
  if (manufacturer !== undefined && (!Number.isInteger(manufacturer) || manufacturer < 0 || manufacturer > 0xffff)) {
    throw new ZclError('ZCL_BAD_VALUE', `manufacturer code ${manufacturer} is not 0..0xFFFF`);
  }
  let control = FRAME_TYPES.indexOf(header.frameType);
  if (control < 0) throw new ZclError('ZCL_BAD_VALUE', `frame type ${String(header.frameType)} is not global or cluster`);
  if (manufacturer !== undefined) control |= MANUFACTURER_SPECIFIC;
  if (header.direction === 'serverToClient') control |= SERVER_TO_CLIENT;
  if (header.disableDefaultResponse) control |= DISABLE_DEFAULT_RESPONSE;
  const head = Buffer.alloc(manufacturer === undefined ? 3 : 5);
  head[0] = control;
  let at = 1;
  if (manufacturer !== undefined) at = head.writeUInt16LE(manufacturer, at);
  head[at++] = header.sequence;
  head[at] = header.commandId;
  return Buffer.concat([head, frame.payload]);
}

/** Decodes a ZCL frame; throws a ZclError (naming the offset) for anything it cannot read. */
export function decodeZclFrame(bytes: Uint8Array): ZclFrame {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 1) throw new ZclError('ZCL_TRUNCATED', 'no frame control byte', { offset: 0 });
  const control = buffer[0]!;
  const frameType = FRAME_TYPES[control & FRAME_TYPE_MASK];
  if (frameType === undefined) {
    throw new ZclError('ZCL_RESERVED_FRAME_TYPE', `frame type ${control & FRAME_TYPE_MASK} is reserved`, { offset: 0 });
  }
  const manufacturerSpecific = (control & MANUFACTURER_SPECIFIC) !== 0;
  const headerLength = manufacturerSpecific ? 5 : 3;
  if (buffer.length < headerLength) {
    throw new ZclError('ZCL_TRUNCATED', `a ${manufacturerSpecific ? 'manufacturer-specific ' : ''}header needs ${headerLength} bytes, got ${buffer.length}`, {
      offset: buffer.length,
    });
  }
  const header: ZclHeader = {
    frameType,
    direction: control & SERVER_TO_CLIENT ? 'serverToClient' : 'clientToServer',
    disableDefaultResponse: (control & DISABLE_DEFAULT_RESPONSE) !== 0,
    sequence: buffer[headerLength - 2]!,
    commandId: buffer[headerLength - 1]!,
  };
  if (manufacturerSpecific) header.manufacturerCode = buffer.readUInt16LE(1);
  return { header, payload: Buffer.from(buffer.subarray(headerLength)) };
}
