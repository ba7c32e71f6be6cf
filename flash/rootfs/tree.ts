import { lstat, mkdir, open, readFile, readlink, rename, rm, symlink, chmod, chown } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Changes to a root filesystem that a power cut leaves either undone or done, and that are skipped
 * when already done (so a second install changes nothing): each file is written beside its place
 * (mode and owner set, synced) and renamed over it, then its directory synced.
 */
export interface Owner {
  uid: number;
  gid: number;
}

export const ROOT_OWNER: Owner = { uid: 0, gid: 0 };

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const tempOf = (path: string) => `${path}.hub-install.tmp`;

/** Writes `data` at `path` with `mode` and `owner` unless it is there already; true when it wrote. */
export async function putFile(path: string, data: string | Buffer, mode: number, owner: Owner = ROOT_OWNER): Promise<boolean> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  await rm(tempOf(path), { force: true });
  const now = await lstat(path).catch(() => undefined);
  if (now?.isFile() && (now.mode & 0o7777) === mode && now.uid === owner.uid && now.gid === owner.gid && (await readFile(path)).equals(bytes)) return false;
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(tempOf(path), 'w', mode);
  try {
    await handle.writeFile(bytes);
    await handle.chmod(mode);
    await handle.chown(owner.uid, owner.gid);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tempOf(path), path);
  await syncDir(dirname(path));
  return true;
}

/** A file's text, or undefined when it is not there. */
export async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}

/** Rewrites a file in place through `edit`, keeping its mode and owner; true when it changed. */
export async function editFile(path: string, edit: (text: string) => string): Promise<boolean> {
  const stat = await lstat(path);
  const text = await readFile(path, 'utf8');
  return putFile(path, edit(text), stat.mode & 0o7777, { uid: stat.uid, gid: stat.gid });
}

/** A symlink at `path` to `target`, replacing anything else there; true when it changed. */
export async function putSymlink(path: string, target: string): Promise<boolean> {
  await rm(tempOf(path), { force: true });
  if (await readlink(path).then((now) => now === target, () => false)) return false;
  await mkdir(dirname(path), { recursive: true });
  await symlink(target, tempOf(path));
  await rename(tempOf(path), path);
  await syncDir(dirname(path));
  return true;
}

/** Removes `path` if it is there; true when it was. */
export async function removePath(path: string): Promise<boolean> {
  if (!(await lstat(path).catch(() => undefined))) return false;
  await rm(path, { recursive: true, force: true });
  await syncDir(dirname(path));
  return true;
}

/** A directory with `mode` and `owner` (made with its parents when missing); true when it changed. */
export async function putDir(path: string, mode: number, owner: Owner = ROOT_OWNER): Promise<boolean> {
  const now = await lstat(path).catch(() => undefined);
  if (now?.isDirectory() && (now.mode & 0o7777) === mode && now.uid === owner.uid && now.gid === owner.gid) return false;
  await mkdir(path, { recursive: true });
  await chmod(path, mode);
  await chown(path, owner.uid, owner.gid);
  await syncDir(dirname(path));
  return true;
}
