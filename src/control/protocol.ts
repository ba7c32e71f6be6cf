import { HubError } from '../../hal/errors.js';

/**
 * The control protocol: newline-delimited JSON over the hub's Unix socket (and, framed one message
 * per MQTT publish, over the WAN). A request names an operation; its reply carries the request's id.
 * A streaming operation (subscribe) answers once with `ok` and then sends `event` lines with the same
 * id until the client sends `unsubscribe` or goes away. Version 1; a request for another version is
 * refused with UNSUPPORTED_VERSION, so old and new peers fail plainly rather than misread each other.
 */
export const CONTROL_PROTOCOL_VERSION = 1;

/** The longest line either side accepts: a bound on what one peer can make the other hold in memory. */
export const MAX_LINE_OCTETS = 1024 * 1024;

export type RequestId = string | number;

export interface ControlRequest {
  v: number;
  id: RequestId;
  op: string;
  args?: Record<string, unknown>;
}

export interface WireError {
  code: string;
  message: string;
  where?: string;
}

export type ControlReply =
  | { v: number; id: RequestId | null; ok: true; result: unknown }
  | { v: number; id: RequestId | null; ok: false; error: WireError }
  | { v: number; id: RequestId; event: unknown };

/** A failure the control API reports; its code is the HubError code the CLI prints. */
export class ControlError extends HubError {}

export function toWireError(error: unknown): WireError {
  if (error instanceof HubError) return { code: error.code, message: error.detail, ...(error.where === undefined ? {} : { where: error.where }) };
  // An unexpected failure: the caller learns that much, the details stay in the hub's log.
  return { code: 'CONTROL_INTERNAL', message: 'the hub failed to carry out the request; see its log' };
}

export function fromWireError(error: WireError): ControlError {
  return new ControlError(error.code, error.message, error.where === undefined ? {} : { where: error.where });
}

/** One request line, checked for shape; anything else is a typed BAD_REQUEST naming what was wrong. */
export function parseRequest(line: string): ControlRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new ControlError('BAD_REQUEST', 'a request line is not JSON', { where: 'request' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ControlError('BAD_REQUEST', 'a request is a JSON object', { where: 'request' });
  const request = value as Record<string, unknown>;
  if (typeof request.id !== 'string' && typeof request.id !== 'number') throw new ControlError('BAD_REQUEST', 'a string or number is needed', { where: 'request.id' });
  if (request.v !== CONTROL_PROTOCOL_VERSION) throw new ControlError('UNSUPPORTED_VERSION', `this hub speaks control protocol version ${CONTROL_PROTOCOL_VERSION}`, { where: 'request.v' });
  if (typeof request.op !== 'string') throw new ControlError('BAD_REQUEST', 'an operation name is needed', { where: 'request.op' });
  const args = request.args;
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) throw new ControlError('BAD_REQUEST', 'arguments are a JSON object', { where: 'request.args' });
  return { v: request.v, id: request.id, op: request.op, ...(args === undefined ? {} : { args: args as Record<string, unknown> }) };
}

/** The id of a line that failed to parse, when it has one, so the client can match the refusal. */
export function requestIdOf(line: string): RequestId | null {
  try {
    const id = (JSON.parse(line) as { id?: unknown }).id;
    return typeof id === 'string' || typeof id === 'number' ? id : null;
  } catch {
    return null;
  }
}

/**
 * Splits a byte stream into lines, refusing one longer than MAX_LINE_OCTETS (the peer is then cut
 * off: a line that long is not a request this protocol sends).
 */
export class LineSplitter {
  private pending = '';

  constructor(private readonly onLine: (line: string) => void, private readonly onTooLong: () => void) {}

  push(chunk: Buffer | string): void {
    this.pending += chunk.toString();
    let end: number;
    while ((end = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, end);
      this.pending = this.pending.slice(end + 1);
      if (line.trim() !== '') this.onLine(line);
    }
    if (this.pending.length > MAX_LINE_OCTETS) {
      this.pending = '';
      this.onTooLong();
    }
  }
}
