import type { EventEmitter } from 'node:events';
import { HubError } from '../errors.js';

/**
 * What the ASH layer offers the EZSP layer above it, on either end of the wire (the host driver
 * and the simulated NCP use the same contract): a reliable, ordered channel of EZSP frames over a
 * Transport, that can be reset by either side.
 */
export interface AshLinkEvents {
  /** One EZSP frame from the peer, handed up exactly once and in order. */
  frame: [frame: Buffer];
  /** RST/RSTACK completed: the link is usable (again). */
  connected: [];
  /** The link was lost: the peer reset or sent ERROR, retransmissions ran out, or the transport closed. */
  disconnected: [error: AshError];
}

export interface AshLink extends EventEmitter<AshLinkEvents> {
  readonly connected: boolean;
  /** Host: send RST and wait for RSTACK (with retries). NCP: wait for RST and answer RSTACK. */
  connect(): Promise<void>;
  /**
   * Queue one EZSP frame. Resolves when the peer has acknowledged it; rejects with an AshError if
   * the link resets first (the caller decides whether to resend once `connected` fires again).
   */
  send(frame: Buffer): Promise<void>;
  close(): Promise<void>;
  /**
   * Let the layer above refuse a DATA frame that passed the CRC but cannot be what the peer sent (a
   * 16-bit CRC lets about one damaged frame in 65,536 through): a refused frame is treated as damaged,
   * NAKed and sent again, instead of being acknowledged and then lost above. A frame refused a few
   * times over is handed up anyway, so a frame the layer above merely does not know never stalls the link.
   */
  vetFrames?(accept: (frame: Buffer) => boolean): void;
}

export type AshErrorCode =
  | 'ASH_RESET'
  | 'ASH_NCP_ERROR'
  | 'ASH_TIMEOUT'
  | 'ASH_TRANSPORT_CLOSED'
  | 'ASH_NOT_CONNECTED'
  | 'ASH_FRAME_TOO_LONG'
  | 'ASH_FRAME_TOO_SHORT'
  | 'ASH_VERSION_MISMATCH'
  | 'ASH_CLOSED'
  | 'ASH_BAD_OPTIONS'
  | 'ASH_WRONG_ROLE';

export class AshError extends HubError {
  declare readonly code: AshErrorCode;

  constructor(code: AshErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
