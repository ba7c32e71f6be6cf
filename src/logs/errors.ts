import { HubError } from '../../hal/errors.js';

export type LogErrorCode =
  /** The code is not in HUB_EVENTS, or belongs to the other log. */
  | 'LOG_UNKNOWN_CODE'
  /** A detail field is named like personal data or a secret; nothing was written. */
  | 'LOG_PERSONAL_DETAIL'
  /** A detail is not a small plain JSON object. */
  | 'LOG_BAD_DETAIL'
  | 'LOG_BAD_RANGE';

export class LogError extends HubError {
  declare readonly code: LogErrorCode;

  constructor(code: LogErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
