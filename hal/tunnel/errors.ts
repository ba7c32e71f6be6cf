import { HubError } from '../errors.js';

/** Every way tunnel bytes can be refused; `where` names the byte offset when there is one. */
export type TunnelErrorCode =
  /** The bytes end before a field they announce. */
  | 'TUNNEL_TRUNCATED'
  /** Bytes left over after a command that has no variable-length tail. */
  | 'TUNNEL_TRAILING_BYTES'
  /** A cluster command id the hub does not handle (flow-control commands: GBCS tunnels never use them). */
  | 'TUNNEL_UNSUPPORTED_COMMAND'
  /** The ZCL frame is not a Tunneling cluster command (a global command other than Default Response). */
  | 'TUNNEL_NOT_A_TUNNEL_COMMAND'
  /** The ZCL frame itself cannot be read. */
  | 'TUNNEL_BAD_ZCL_FRAME'
  /** The first byte of the tunnelled data is no GB-HGRP header and no GBCS message. */
  | 'TUNNEL_UNKNOWN_HEADER'
  /** A value to encode is out of its field's range. */
  | 'TUNNEL_BAD_VALUE';

export class TunnelError extends HubError {
  declare readonly code: TunnelErrorCode;
  readonly offset: number | undefined;

  constructor(code: TunnelErrorCode, message: string, options: { offset?: number; cause?: unknown } = {}) {
    super(code, message, { ...(options.offset === undefined ? {} : { where: `tunnel byte ${options.offset}` }), cause: options.cause });
    this.offset = options.offset;
  }
}
