import { HubError } from '../errors.js';

/** Every way ZCL bytes can be refused; `where` names the byte offset. */
export type ZclErrorCode =
  | 'ZCL_TRUNCATED'
  | 'ZCL_RESERVED_FRAME_TYPE'
  | 'ZCL_UNKNOWN_DATA_TYPE'
  | 'ZCL_BAD_VALUE'
  | 'ZCL_BAD_LENGTH';

export class ZclError extends HubError {
  declare readonly code: ZclErrorCode;
  readonly offset: number | undefined;

  constructor(code: ZclErrorCode, message: string, options: { offset?: number; cause?: unknown } = {}) {
    super(code, message, { ...(options.offset === undefined ? {} : { where: `ZCL byte ${options.offset}` }), cause: options.cause });
    this.offset = options.offset;
  }
}
