import { randomBytes } from 'node:crypto';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_INFIX = '.tmp-';

/**
 * Replace `path` so that after a power cut it holds either the old content or the new, never a mix:
 * write a temp file beside it, fsync it, rename it over the old one, then fsync the directory so the
 * rename itself is on disk.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temp = `${path}${TEMP_INFIX}${process.pid}-${randomBytes(4).toString('hex')}`;
  const file = await open(temp, 'wx', mode);
  try {
    await file.writeFile(data);
    await file.sync();
  } catch (error) {
    await file.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await file.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Remove temp files an interrupted `writeFileAtomic(path)` left behind; returns how many. */
export async function removeStaleTemps(path: string): Promise<number> {
  const prefix = basename(path) + TEMP_INFIX;
  const names = (await readdir(dirname(path))).filter((name) => name.startsWith(prefix));
  await Promise.all(names.map((name) => unlink(join(dirname(path), name)).catch(() => undefined)));
  return names.length;
}
