import { HubError } from '../../hal/errors.js';

/**
 * Every way a GBCS message can be refused. Decoding codes name a byte offset in `where`; the
 * authentication codes name the message part that failed.
 */
export type GbcsErrorCode =
  | 'TRUNCATED'
  | 'LENGTH_MISMATCH'
  | 'BAD_LENGTH'
  | 'BAD_TAG'
  | 'BAD_VALUE'
  | 'UNKNOWN_MESSAGE_CODE'
  | 'BAD_INPUT'
  | 'MAC_INVALID'
  | 'SIGNATURE_INVALID'
  | 'SIGNATURE_MISSING'
  | 'NO_CREDENTIAL';

export class GbcsError extends HubError {
  declare readonly code: GbcsErrorCode;
  /** The byte offset into the message where decoding stopped, when the error is about bytes. */
  readonly offset: number | undefined;

  constructor(code: GbcsErrorCode, message: string, options: { offset?: number; where?: string; cause?: unknown } = {}) {
    const where = options.where ?? (options.offset === undefined ? undefined : `byte ${options.offset}`);
    super(code, message, { ...(where === undefined ? {} : { where }), cause: options.cause });
    this.offset = options.offset;
  }
}
