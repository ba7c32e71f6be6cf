import { HubError } from '../../hal/errors.js';

/**
 * Why an Upgrade Image was refused. Every code names one fault, so a head end (and CCS08) can say
 * which; `field` and `offset` say where in the image it was found.
 */
export type FirmwareErrorCode =
  | 'TRUNCATED'
  | 'BAD_MAGIC'
  | 'BAD_HEADER_VERSION'
  | 'BAD_FIELD_CONTROL'
  | 'BAD_HEADER_LENGTH'
  | 'BAD_TOTAL_SIZE'
  | 'BAD_HARDWARE_RANGE'
  | 'EMPTY_MANUFACTURER_IMAGE'
  | 'BAD_FORCE_REPLACE'
  | 'BAD_SIGNATURE_LENGTH'
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_INVALID'
  | 'UNTRUSTED_SIGNER'
  | 'NO_TRUSTED_SUPPLIER'
  | 'WRONG_MANUFACTURER'
  | 'WRONG_IMAGE_TYPE'
  | 'WRONG_DESTINATION'
  | 'QUOTA_REACHED'
  | 'HARDWARE_VERSION_OUT_OF_RANGE'
  | 'BAD_FIELD'
  | 'BAD_INPUT'
  | 'IMAGE_NOT_HELD'
  | 'BAD_CHUNK'
  | 'IMAGE_HASH_MISMATCH'
  | 'UNKNOWN_TARGET'
  | 'DOWNGRADE_NOT_ALLOWED'
  | 'MODEL_COMBINATION_NOT_ALLOWED'
  | 'MANUFACTURER_IMAGE_HELD'
  | 'ACTIVATION_FAILED';

export class FirmwareError extends HubError {
  declare readonly code: FirmwareErrorCode;
  /** The Upgrade Image field the fault is in, e.g. `total image size`. */
  readonly field: string;
  /** Its first byte in the image, when the fault is in the bytes (absent for a fault of the whole image's fit to a target). */
  readonly offset: number | undefined;

  constructor(code: FirmwareErrorCode, message: string, place: { field: string; offset?: number; cause?: unknown }) {
    const where = place.offset === undefined ? place.field : `offset ${place.offset} (${place.field})`;
    super(code, message, { where, ...(place.cause === undefined ? {} : { cause: place.cause }) });
    this.field = place.field;
    this.offset = place.offset;
  }
}
