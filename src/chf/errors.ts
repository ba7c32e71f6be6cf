import { HubError } from '../../hal/errors.js';

export type DeviceLogErrorCode =
  /** The log already holds DEVICE_LOG_CAPACITY devices. */
  | 'DEVICE_LOG_FULL'
  | 'DEVICE_TYPE_UNKNOWN'
  /** The type exists but may not be entered in the log (the CHF itself). */
  | 'DEVICE_TYPE_NOT_LOGGABLE'
  | 'INSTALL_CODE_MISSING'
  | 'LINK_KEY_BAD_LENGTH'
  | 'DEVICE_NOT_IN_LOG'
  /** A backup does not have the expected shape or content. */
  | 'BACKUP_INVALID'
  /** A backup's digest does not match its content: damaged or edited. */
  | 'BACKUP_CORRUPT'
  | 'EXTENDED_PAN_ID_INVALID'
  | 'JOIN_TIMEOUT_INVALID'
  | 'DEVICE_LOG_CLOSED';

export class DeviceLogError extends HubError {
  declare readonly code: DeviceLogErrorCode;

  constructor(code: DeviceLogErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
