import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WanError } from './errors.js';

/**
 * The embedded broker's two logins, made once and kept beside the store (mode 0600, in the store's
 * 0700 directory): `hub`, which the hub connects with, and `tools`, which `hub send`, `hub listen`,
 * `hub wan status` and `hub headend` connect with. Any local user can reach a port on 127.0.0.1;
 * only the store's owner can read these.
 */
export interface BrokerLogin {
  username: string;
  password: string;
}

export interface EmbeddedLogins {
  hub: BrokerLogin;
  tools: BrokerLogin;
}

export const EMBEDDED_LOGINS_FILE = 'embedded-broker.json';

const login = (username: string): BrokerLogin => ({ username, password: randomBytes(24).toString('base64url') });

function parse(text: string, where: string): EmbeddedLogins {
  const value = JSON.parse(text) as Partial<EmbeddedLogins>;
  const ok = (l: Partial<BrokerLogin> | undefined): l is BrokerLogin => typeof l?.username === 'string' && typeof l.password === 'string' && l.password.length >= 16;
  if (!ok(value.hub) || !ok(value.tools)) throw new WanError('WAN_EMBEDDED_LOGINS', 'the embedded broker logins file is damaged; delete it and start the hub again', { where });
  return { hub: value.hub, tools: value.tools };
}

/** The logins, made now (owner-only) if the store directory has none yet. */
export async function embeddedLogins(storeDir: string): Promise<EmbeddedLogins> {
  const path = join(storeDir, EMBEDDED_LOGINS_FILE);
  await mkdir(storeDir, { recursive: true, mode: 0o700 });
  const made: EmbeddedLogins = { hub: login('hub'), tools: login('tools') };
  try {
    await writeFile(path, `${JSON.stringify(made, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return made;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // Made by an earlier run: still the owner's alone.
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return parse(await readFile(path, 'utf8'), path);
}

/** The logins a running hub's embedded broker takes, or undefined when none were made here. */
export async function readEmbeddedLogins(storeDir: string): Promise<EmbeddedLogins | undefined> {
  const path = join(storeDir, EMBEDDED_LOGINS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  return parse(text, path);
}
