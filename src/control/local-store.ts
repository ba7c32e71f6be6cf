import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HubError } from '../../hal/errors.js';
import { FileSecureElement, KEY_FILE_NAME } from '../security/file-secure-element.js';
import { openStore, StoreError, type Store } from '../store/index.js';

/**
 * The hub's store opened by a local command, with the key file that seals its personal domains,
 * when no hub is running (a running hub is reached through its control socket instead).
 */
export class LocalStoreError extends HubError {}

export interface LocalStore {
  store: Store;
  secureElement: FileSecureElement;
}

export interface LocalStoreOptions {
  /** Where the hub keeps keys.json; default the store's own directory. */
  keysDir?: string;
  /** First use at installation: the store and its key file may not exist yet. */
  creating?: boolean;
  /** The error class the calling command reports with (default LocalStoreError). */
  errorClass?: typeof HubError;
  /** Open without the data key: only unsealed domains (the logs) are read, and no key file is needed. */
  unsealed?: boolean;
}

export async function openLocalStore(storePath: string, options: LocalStoreOptions & { unsealed: true }): Promise<{ store: Store; secureElement: undefined }>;
export async function openLocalStore(storePath: string, options?: LocalStoreOptions): Promise<LocalStore>;
export async function openLocalStore(storePath: string, options: LocalStoreOptions = {}): Promise<LocalStore | { store: Store; secureElement: undefined }> {
  const path = resolve(storePath);
  const keys = resolve(options.keysDir ?? storePath);
  const Failure = options.errorClass ?? LocalStoreError;
  if (!options.creating && !existsSync(path)) throw new Failure('STORE_NOT_FOUND', 'no hub store here (check --store or store.path)', { where: path });
  if (!options.unsealed && !options.creating && !existsSync(join(keys, KEY_FILE_NAME))) {
    throw new Failure('KEY_FILE_NOT_FOUND', `no ${KEY_FILE_NAME} with the store's data key (pass --keys DIR)`, { where: keys });
  }
  const secureElement = options.unsealed ? undefined : await FileSecureElement.open({ stateDir: keys });
  try {
    return { store: await openStore({ path, ...(secureElement ? { secureElement } : {}) }), secureElement } as LocalStore;
  } catch (error) {
    if (error instanceof StoreError && error.code === 'STORE_LOCKED') {
      // A running hub serves its control socket and is never reached here: this one is still starting, or has no socket.
      throw new Failure('STORE_IN_USE', 'another process holds this store (LevelDB allows one process at a time) and serves no control socket: a hub still starting (wait for "hub ready" and run this again) or another hub command; otherwise stop the hub first, e.g. `sudo systemctl stop hub`', { where: path, cause: error });
    }
    throw error;
  }
}
