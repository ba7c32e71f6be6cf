import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { HubError } from '../../hal/errors.js';
import type { HubConfig } from '../config.js';
import { readPem } from '../wan/index.js';

/** Errors from creating a directory that mean "not allowed here", not "something broke". */
const NOT_ALLOWED = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * The store's directory, made now, so a path this user may not create (the README's /var/lib/hub
 * run as a normal user) is one line naming the path and the fix rather than a stack from LevelDB.
 */
export async function prepareStoreDir(config: HubConfig): Promise<void> {
  const path = resolve(config.store.path);
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? '';
    if (!NOT_ALLOWED.has(code)) throw cause;
    throw new HubError(
      'STORE_PATH_DENIED',
      `this user may not create the store directory (${code}). Create it for the user the hub runs as (e.g. \`sudo install -d -m 700 -o $USER ${path}\`) or set store.path to a directory this user owns.`,
      { where: path, cause },
    );
  }
}

/**
 * The WAN's PEM files, read once before anything starts: a missing or unreadable `wan.ca` is a
 * config mistake to refuse now, not a connection failure to retry for ever.
 */
export async function checkWanFiles(config: HubConfig): Promise<void> {
  await Promise.all([readPem(config.wan.ca, 'wan.ca'), readPem(config.wan.cert, 'wan.cert'), readPem(config.wan.key, 'wan.key')]);
}
