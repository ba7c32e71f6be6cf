import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HubError } from '../../hal/errors.js';
import { FileSecureElement, KEY_FILE_NAME } from '../security/file-secure-element.js';
import { openStore, StoreError, type Store } from '../store/index.js';

/**
 * The hub's store opened by a local command, with the key file that seals its personal domains.
 * LevelDB lets one process in at a time, so while the hub runs such commands are refused, saying so.
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
  /** What else the user can do while the hub runs (default: run this again once it has stopped). */
  whileRunning?: string;
  /** The error class the calling command reports with (default LocalStoreError). */
  errorClass?: typeof HubError;
}

export async function openLocalStore(storePath: string, options: LocalStoreOptions = {}): Promise<LocalStore> {
  const path = resolve(storePath);
  const keys = resolve(options.keysDir ?? storePath);
  const Failure = options.errorClass ?? LocalStoreError;
  if (!options.creating && !existsSync(path)) throw new Failure('STORE_NOT_FOUND', 'no hub store here (check --store or store.path)', { where: path });
  if (!options.creating && !existsSync(join(keys, KEY_FILE_NAME))) {
    throw new Failure('KEY_FILE_NOT_FOUND', `no ${KEY_FILE_NAME} with the store's data key (pass --keys DIR)`, { where: keys });
  }
  const secureElement = await FileSecureElement.open({ stateDir: keys });
  try {
    return { store: await openStore({ path, secureElement }), secureElement };
  } catch (error) {
    if (error instanceof StoreError && error.code === 'STORE_LOCKED') {
      const instead = options.whileRunning ?? 'then run this again';
      throw new Failure('STORE_IN_USE', `the hub is running and holds this store (LevelDB allows one process at a time); stop the hub first, e.g. \`sudo systemctl stop hub\`, ${instead}`, { where: path, cause: error });
    }
    throw error;
  }
}
