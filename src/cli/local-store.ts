import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HubError } from '../../hal/errors.js';
import { FileSecureElement, KEY_FILE_NAME } from '../security/file-secure-element.js';
import { openStore, StoreError, type Store } from '../store/store.js';

/**
 * The hub's store opened by a local command, with the key file that seals its personal domains.
 * LevelDB lets one process in at a time, so while the hub runs such commands are refused, saying so.
 */
export class LocalStoreError extends HubError {}

export interface LocalStore {
  store: Store;
  secureElement: FileSecureElement;
}

/** `keysDir` defaults to the store's own directory, where the hub keeps keys.json. */
export async function openLocalStore(storePath: string, keysDir = storePath): Promise<LocalStore> {
  const path = resolve(storePath);
  const keys = resolve(keysDir);
  if (!existsSync(path)) throw new LocalStoreError('STORE_NOT_FOUND', 'no hub store here (check --store or store.path)', { where: path });
  if (!existsSync(join(keys, KEY_FILE_NAME))) throw new LocalStoreError('KEY_FILE_NOT_FOUND', `no ${KEY_FILE_NAME} with the store's data key (pass --keys DIR)`, { where: keys });
  const secureElement = await FileSecureElement.open({ stateDir: keys });
  try {
    return { store: await openStore({ path, secureElement }), secureElement };
  } catch (error) {
    if (error instanceof StoreError && error.code === 'STORE_LOCKED') {
      throw new LocalStoreError('STORE_IN_USE', 'the hub is running and holds this store; stop it first (e.g. `sudo systemctl stop hub`), then run this again', { where: path, cause: error });
    }
    throw error;
  }
}
