import type { EventEmitter } from 'node:events';
import { HubError } from '../errors.js';

/**
 * The Transport seam: a duplex byte stream to the radio. Serial ports, TCP sockets (ser2net-style
 * network coordinators) and in-memory pairs all look the same to the ASH layer above.
 *
 * Chunk boundaries carry no meaning: a serial transport may hand up whole ASH frames (it is
 * framed on the flag byte) while TCP hands up whatever the socket read.
 */
export interface TransportEvents {
  data: [chunk: Buffer];
  /** The stream ended; `error` is set when it ended because something went wrong (unplugged, reset). */
  close: [error?: TransportError];
  /**
   * The next three come only from a transport that reconnects by itself (`ReconnectingTransport`);
   * plain transports end with `close` instead. The line dropped and is being retried; writes fail
   * with DISCONNECTED meanwhile.
   */
  disconnected: [error: TransportError];
  /** Reconnection attempt `attempt` will be made after `delayMs`. */
  reconnecting: [attempt: number, delayMs: number];
  /** The line is back on a fresh connection; whatever the peer knew of the link is gone, so reset it. */
  reconnected: [attempts: number];
}

export interface Transport extends EventEmitter<TransportEvents> {
  /** Human-readable identity for logs and errors, e.g. `/dev/ttyAMA0 at 115200 baud` or `tcp://10.0.0.5:6638`. */
  readonly description: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export type TransportErrorCode =
  | 'PORT_NOT_FOUND'
  | 'PERMISSION_DENIED'
  | 'PORT_BUSY'
  | 'DISCONNECTED'
  | 'CONNECTION_REFUSED'
  | 'TIMEOUT'
  | 'NOT_OPEN'
  | 'BAD_ADDRESS'
  | 'IO_ERROR';

export class TransportError extends HubError {
  declare readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
