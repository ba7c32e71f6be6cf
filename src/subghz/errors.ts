import { HubError } from '../../hal/errors.js';

export type SubGhzErrorCode =
  /** A channel value that is not one Sub GHz channel on pages 28..31. */
  | 'SUB_GHZ_CHANNEL_INVALID'
  /** A channel mask with the wrong page, a channel the page does not have, or no channel at all. */
  | 'SUB_GHZ_MASK_INVALID'
  /** A configuration with the wrong shape, a setting of the wrong DLMS type, or a value out of range. */
  | 'SUB_GHZ_CONFIGURATION_INVALID'
  /** An airtime record that is not a whole, non-negative number of octets. */
  | 'SUB_GHZ_FRAME_INVALID'
  | 'SUB_GHZ_DEVICE_INVALID'
  /** Stored Sub GHz state that does not read back as written. */
  | 'SUB_GHZ_STATE_DAMAGED';

export class SubGhzError extends HubError {
  declare readonly code: SubGhzErrorCode;

  constructor(code: SubGhzErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
