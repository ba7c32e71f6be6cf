import { HubError } from '../errors.js';

/** Why an EZSP frame could not be encoded or decoded. Stable codes; `where` names the frame and byte. */
export type EzspFrameErrorCode =
  | 'EZSP_FRAME_TOO_SHORT'
  | 'EZSP_FRAME_TOO_LONG'
  | 'EZSP_UNKNOWN_FRAME'
  | 'EZSP_BAD_FRAME_CONTROL'
  | 'EZSP_BAD_VALUE';

export class EzspFrameError extends HubError {
  declare readonly code: EzspFrameErrorCode;

  constructor(code: EzspFrameErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/** Failures of the EZSP conversation itself (as opposed to one malformed frame). */
export type EzspErrorCode =
  | 'EZSP_VERSION_UNSUPPORTED'
  | 'EZSP_TIMEOUT'
  | 'EZSP_LINK_DOWN'
  | 'EZSP_NOT_STARTED'
  | 'EZSP_INVALID_COMMAND'
  | 'EZSP_COMMAND_FAILED'
  | 'EZSP_STOPPED';

export class EzspError extends HubError {
  declare readonly code: EzspErrorCode;

  constructor(code: EzspErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
