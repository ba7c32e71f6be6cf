import { HubError } from '../../hal/errors.js';

export type StoreErrorCode =
  /** Another process holds the LevelDB lock. */
  | 'STORE_LOCKED'
  /** LevelDB found damaged files; `hub store repair` may recover what is left. */
  | 'STORE_CORRUPT'
  /** The database could not be opened for another reason (permissions, disk). */
  | 'STORE_OPEN_FAILED'
  | 'STORE_RECOVERED_WITH_LOSS'
  | 'STORE_CLOSED'
  /** A value or key the caller gave was refused; nothing was written. */
  | 'STORE_BAD_VALUE'
  | 'STORE_BAD_KEY'
  /** Stored bytes could not be decoded by the domain's codec. */
  | 'STORE_UNREADABLE'
  /** An encrypted value failed authentication: changed on disk, or moved from another key or domain. */
  | 'STORE_TAMPERED'
  /** The data key is not the one this store was created with. */
  | 'STORE_WRONG_DATA_KEY'
  | 'STORE_NO_DATA_KEY'
  /** A domain name is invalid or declared differently from before. */
  | 'STORE_DOMAIN'
  /** The data on disk has a newer schema than this runtime knows. */
  | 'STORE_SCHEMA_TOO_NEW'
  | 'STORE_MIGRATION_FAILED'
  /** A read or write failed for a reason outside the store (disk full, I/O error). */
  | 'STORE_IO_FAILED'
  /** A write failed (a full disk); none is taken until the store has been reopened and a probe synced. */
  | 'STORE_WRITE_FAILED';

export class StoreError extends HubError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}
