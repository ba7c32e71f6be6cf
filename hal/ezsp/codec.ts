import { EzspFrameError } from './errors.js';
import { FRAMES, fieldsFor, frameNameById, type FieldSpec, type FrameName } from './frames.js';
import { FrameReader, FrameWriter, WIRE_TYPES, type WireTypeName, type WireValue } from './wire-types.js';

/**
 * Encoding and decoding of whole EZSP frames, driven by the table in frames.ts, in both
 * directions: the host encodes requests and decodes responses and callbacks; an NCP (the
 * simulator) decodes requests and encodes responses and callbacks.
 *
 * Extended format (EZSP 8 and later, used for every frame after the first):
 *   sequence u8 | frame control u16 LE | frame id u16 LE | parameters
 * Legacy format (only the first `version` command and, from some NCPs, its response):
 *   sequence u8 | frame control u8 | frame id u8 (0) | parameters
 */

/** The largest EZSP frame an NCP accepts or sends: 218 bytes of legacy frame plus the two extra header bytes. */
export const MAX_FRAME_LENGTH = 220;
const EXTENDED_HEADER_LENGTH = 5;
const LEGACY_HEADER_LENGTH = 3;

// Frame control, low byte.
const DIRECTION_RESPONSE = 0x80;
const NETWORK_INDEX_MASK = 0x60;
const NETWORK_INDEX_SHIFT = 5;
const SLEEP_MODE_MASK = 0x03;
const OVERFLOW = 0x01;
const TRUNCATED = 0x02;
const PENDING_CALLBACKS = 0x04;
const SYNCH_CALLBACK = 0x08;
const ASYNCH_CALLBACK = 0x10;
// Frame control, high byte.
const FORMAT_VERSION_MASK = 0x03;
const FORMAT_VERSION_EXTENDED = 0x01;
const SECURITY_ENABLED = 0x80;
const PADDING_ENABLED = 0x40;

type FieldsToParams<F extends readonly FieldSpec[]> = {
  [K in F[number] as K['name']]: K['type'] extends WireTypeName ? WireValue<K['type']> : never;
};

export type RequestParams<N extends FrameName> = FieldsToParams<(typeof FRAMES)[N]['request']>;
export type ResponseParams<N extends FrameName> = FieldsToParams<(typeof FRAMES)[N]['response']>;

export interface FrameHeader {
  sequence: number;
  format: 'legacy' | 'extended';
  /** 0..3; this runtime uses network 0 only. */
  networkIndex: number;
  /** Requests only: the sleep mode the NCP enters after answering. */
  sleepMode: number;
  /** Responses only: the NCP lost callbacks for want of memory. */
  overflow: boolean;
  /** Responses only: the NCP cut this response short. */
  truncated: boolean;
  /** Responses only: more callbacks are waiting. */
  pendingCallbacks: boolean;
  /** Responses only: whether this frame is a callback, and how it was delivered. */
  callbackType: 'none' | 'synchronous' | 'asynchronous';
}

export type RequestFrame<N extends FrameName = FrameName> = {
  [K in N]: { direction: 'request'; name: K; params: RequestParams<K> } & FrameHeader;
}[N];

export type ResponseFrame<N extends FrameName = FrameName> = {
  [K in N]: { direction: 'response'; name: K; params: ResponseParams<K> } & FrameHeader;
}[N];

export type EzspFrame = RequestFrame | ResponseFrame;

/** What a caller must say about a frame; the rest of the header takes its usual value. */
export type FrameInput = (
  | { direction: 'request'; name: FrameName; params: object }
  | { direction: 'response'; name: FrameName; params: object }
) &
  Pick<FrameHeader, 'sequence'> &
  Partial<Omit<FrameHeader, 'sequence'>>;

function defaultHeader(input: FrameInput): FrameHeader {
  const callbackType = input.direction === 'response' && FRAMES[input.name].kind === 'callback' ? 'asynchronous' : 'none';
  return {
    sequence: input.sequence,
    format: input.format ?? 'extended',
    networkIndex: input.networkIndex ?? 0,
    sleepMode: input.sleepMode ?? 0,
    overflow: input.overflow ?? false,
    truncated: input.truncated ?? false,
    pendingCallbacks: input.pendingCallbacks ?? false,
    callbackType: input.callbackType ?? callbackType,
  };
}

function frameControlLow(direction: 'request' | 'response', header: FrameHeader): number {
  let low = (header.networkIndex << NETWORK_INDEX_SHIFT) & NETWORK_INDEX_MASK;
  if (direction === 'request') return low | (header.sleepMode & SLEEP_MODE_MASK);
  low |= DIRECTION_RESPONSE;
  if (header.overflow) low |= OVERFLOW;
  if (header.truncated) low |= TRUNCATED;
  if (header.pendingCallbacks) low |= PENDING_CALLBACKS;
  if (header.callbackType === 'synchronous') low |= SYNCH_CALLBACK;
  if (header.callbackType === 'asynchronous') low |= ASYNCH_CALLBACK;
  return low;
}

function writeParams(writer: FrameWriter, fields: readonly FieldSpec[], params: object, version: number): void {
  const record = params as Record<string, unknown>;
  for (const field of fields) {
    const type = WIRE_TYPES[field.type] as { write(w: FrameWriter, v: unknown, version: number, what: string): void };
    type.write(writer, record[field.name], version, field.name);
  }
}

/** Encode one frame for protocol `version`. Throws EzspFrameError on a bad value or an oversized frame. */
export function encodeFrame(input: FrameInput, version: number): Buffer {
  const header = defaultHeader(input);
  const spec = FRAMES[input.name];
  const where = `EZSP ${input.name} ${input.direction}`;
  if (!Number.isInteger(header.sequence) || header.sequence < 0 || header.sequence > 0xff) {
    throw new EzspFrameError('EZSP_BAD_VALUE', `sequence must be 0..255, got ${header.sequence}`, { where });
  }
  if (header.format === 'legacy' && spec.id > 0xff) {
    throw new EzspFrameError('EZSP_BAD_VALUE', `frame id 0x${spec.id.toString(16)} does not fit the legacy format`, { where });
  }
  const writer = new FrameWriter(where);
  const low = frameControlLow(input.direction, header);
  writer.put(
    header.format === 'legacy'
      ? Buffer.from([header.sequence, low, spec.id])
      : Buffer.from([header.sequence, low, FORMAT_VERSION_EXTENDED, spec.id & 0xff, spec.id >> 8]),
  );
  writeParams(writer, fieldsFor(input.name, input.direction, version), input.params, version);
  const bytes = writer.toBuffer();
  if (bytes.length > MAX_FRAME_LENGTH) {
    throw new EzspFrameError('EZSP_FRAME_TOO_LONG', `frame is ${bytes.length} bytes, the limit is ${MAX_FRAME_LENGTH}`, { where });
  }
  return bytes;
}

interface RawHeader {
  header: FrameHeader;
  direction: 'request' | 'response';
  frameId: number;
  parametersAt: number;
}

function decodeHeader(bytes: Buffer): RawHeader {
  const where = 'EZSP frame header';
  if (bytes.length < LEGACY_HEADER_LENGTH) {
    throw new EzspFrameError('EZSP_FRAME_TOO_SHORT', `${bytes.length} byte(s) cannot hold an EZSP header`, { where });
  }
  if (bytes.length > MAX_FRAME_LENGTH) {
    throw new EzspFrameError('EZSP_FRAME_TOO_LONG', `frame is ${bytes.length} bytes, the limit is ${MAX_FRAME_LENGTH}`, { where });
  }
  const sequence = bytes[0] as number;
  const low = bytes[1] as number;
  const third = bytes[2] as number;
  const extended = (third & FORMAT_VERSION_MASK) === FORMAT_VERSION_EXTENDED;
  if (extended && (third & (SECURITY_ENABLED | PADDING_ENABLED)) !== 0) {
    throw new EzspFrameError('EZSP_BAD_FRAME_CONTROL', `secured or padded frames are not supported (0x${third.toString(16)})`, { where });
  }
  if (!extended && third !== FRAMES.version.id) {
    // Legacy frames carry a one-byte frame id here; only `version` is ever sent that way.
    throw new EzspFrameError('EZSP_BAD_FRAME_CONTROL', `byte 2 (0x${third.toString(16)}) is neither an extended frame control nor the legacy version id`, { where });
  }
  if (extended && bytes.length < EXTENDED_HEADER_LENGTH) {
    throw new EzspFrameError('EZSP_FRAME_TOO_SHORT', `${bytes.length} bytes cannot hold an extended EZSP header`, { where });
  }
  const direction = (low & DIRECTION_RESPONSE) !== 0 ? 'response' : 'request';
  const isResponse = direction === 'response';
  const callbackType = !isResponse
    ? 'none'
    : (low & ASYNCH_CALLBACK) !== 0
      ? 'asynchronous'
      : (low & SYNCH_CALLBACK) !== 0
        ? 'synchronous'
        : 'none';
  const header: FrameHeader = {
    sequence,
    format: extended ? 'extended' : 'legacy',
    networkIndex: (low & NETWORK_INDEX_MASK) >> NETWORK_INDEX_SHIFT,
    sleepMode: isResponse ? 0 : low & SLEEP_MODE_MASK,
    overflow: isResponse && (low & OVERFLOW) !== 0,
    truncated: isResponse && (low & TRUNCATED) !== 0,
    pendingCallbacks: isResponse && (low & PENDING_CALLBACKS) !== 0,
    callbackType,
  };
  return extended
    ? { header, direction, frameId: bytes.readUInt16LE(3), parametersAt: EXTENDED_HEADER_LENGTH }
    : { header, direction, frameId: third, parametersAt: LEGACY_HEADER_LENGTH };
}

/** Every parameter of a frame at its zero value (0, false, empty, all-zero EUI-64 and keys). */
export function zeroParams<N extends FrameName, D extends 'request' | 'response'>(
  name: N,
  direction: D,
): D extends 'request' ? RequestParams<N> : ResponseParams<N> {
  const params: Record<string, unknown> = {};
  for (const field of FRAMES[name][direction] as readonly FieldSpec[]) params[field.name] = WIRE_TYPES[field.type].zero();
  return params as D extends 'request' ? RequestParams<N> : ResponseParams<N>;
}

function readParams(reader: FrameReader, name: FrameName, direction: 'request' | 'response', version: number) {
  // Fields absent from this version still appear, with their zero value, so the typed object is whole.
  const params: Record<string, unknown> = zeroParams(name, direction);
  for (const field of fieldsFor(name, direction, version)) {
    params[field.name] = WIRE_TYPES[field.type].read(reader, version, field.name);
  }
  return params;
}

/**
 * Decode one frame for protocol `version`. Throws EzspFrameError, and nothing else, on any input
 * it cannot decode: too short, trailing bytes, unknown frame id, bad frame control.
 */
export function decodeFrame(input: Uint8Array, version: number): EzspFrame {
  const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const { header, direction, frameId, parametersAt } = decodeHeader(bytes);
  const name = frameNameById(frameId);
  if (name === undefined) {
    throw new EzspFrameError('EZSP_UNKNOWN_FRAME', `frame id 0x${frameId.toString(16).padStart(4, '0')} is not in the frame table`, {
      where: `EZSP ${direction} seq ${header.sequence}`,
    });
  }
  const where = `EZSP ${name} ${direction} seq ${header.sequence}`;
  const reader = new FrameReader(bytes, parametersAt, where);
  const params = readParams(reader, name, direction, version);
  if (reader.remaining > 0) {
    throw new EzspFrameError('EZSP_FRAME_TOO_LONG', `${reader.remaining} unexpected byte(s) after the parameters at offset ${reader.position}`, { where });
  }
  return { direction, name, params, ...header } as EzspFrame;
}

/** Host side: encode a command. */
export function encodeRequest<N extends FrameName>(
  name: N,
  params: RequestParams<N>,
  sequence: number,
  version: number,
  format: 'legacy' | 'extended' = 'extended',
): Buffer {
  return encodeFrame({ direction: 'request', name, params, sequence, format }, version);
}

/** NCP side: encode a response to a command, or a callback (sequence is then the NCP's own). */
export function encodeResponse<N extends FrameName>(
  name: N,
  params: ResponseParams<N>,
  sequence: number,
  version: number,
  header: Partial<Omit<FrameHeader, 'sequence'>> = {},
): Buffer {
  return encodeFrame({ ...header, direction: 'response', name, params, sequence }, version);
}

/** Narrow a decoded frame to one name, for readable handlers. */
export function isFrame<N extends FrameName, D extends 'request' | 'response'>(
  frame: EzspFrame,
  name: N,
  direction: D,
): frame is Extract<EzspFrame, { name: N; direction: D }> {
  return frame.name === name && frame.direction === direction;
}
