import { HubError } from '../../hal/errors.js';

export type GpfErrorCode =
  /** A reading, log entry or setting the meter or a command gave is not well formed; nothing was written. */
  | 'GPF_BAD_VALUE'
  | 'GPF_BAD_RANGE'
  | 'GPF_BAD_MPRN'
  | 'GPF_BAD_DEVICE';

export class GpfError extends HubError {
  declare readonly code: GpfErrorCode;

  constructor(code: GpfErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
