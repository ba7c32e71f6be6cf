import { chmod, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Level } from 'level';
import { StoreError } from './errors.js';
import type { Database } from './level-domain.js';
import { repairCommand, translateLevelError } from './level-errors.js';
import { LevelStore, SCHEMA_VERSION } from './level-store.js';
import { checkMigrations, runMigrations } from './migrations.js';
import type { Store, StoreOptions } from './store.js';

/**
 * Open (creating when missing) the store at `options.path`, check the data key, and run any
 * migrations above the stored schema version. Fails with STORE_LOCKED when another process has it
 * open and STORE_CORRUPT (naming the repair command) when its files are damaged.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const path = resolve(options.path);
  const migrations = checkMigrations(options.migrations ?? []);
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
    // LevelDB creates its files 0644: only the directory keeps other local users out of the Security Log and the credentials.
    if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o700);
  } catch (cause) {
    throw new StoreError('STORE_OPEN_FAILED', `cannot create the store directory: ${(cause as Error).message}`, { where: path, cause });
  }
  const db: Database = new Level<string, Uint8Array>(path, { createIfMissing: await isNewStore(path), keyEncoding: 'utf8', valueEncoding: 'view' });
  try {
    await db.open();
  } catch (error) {
    throw translateLevelError(error, path, path, 'open');
  }
  const store = new LevelStore(db, options, await recoveryProblems(path));
  try {
    await store.read(path, 'open', () => store.load());
    await runMigrations(store, migrations, SCHEMA_VERSION);
    return store;
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
}

/** LevelDB's own files: CURRENT names the MANIFEST, which lists the tables (.ldb, .sst); .log is the write-ahead log. */
const LEVEL_FILE = /^(CURRENT|MANIFEST-\d+|\d+\.(ldb|sst|log))$/;

async function levelFiles(path: string): Promise<string[]> {
  try {
    return (await readdir(path)).filter((name) => LEVEL_FILE.test(name));
  } catch {
    return [];
  }
}

/**
 * Whether LevelDB may create the database: only where none of its files are. Without CURRENT it
 * would start an empty database and delete the table files beside it (the Device Log, the replay
 * counters, the credentials): that is damage to repair, never a new store.
 */
async function isNewStore(path: string): Promise<boolean> {
  const found = await levelFiles(path);
  if (found.length === 0) return true;
  if (!found.includes('CURRENT')) {
    throw new StoreError('STORE_CORRUPT', `the database has lost its CURRENT file (${found.length} table and log files remain); stop the hub, copy the directory aside, then run: ${repairCommand(path)}`, { where: path });
  }
  const manifest = (await readFile(join(path, 'CURRENT'), 'utf8').catch(() => '')).trim();
  if (!found.includes(manifest)) {
    throw new StoreError('STORE_CORRUPT', `the database has lost its manifest (CURRENT names "${manifest}", which is not there); stop the hub, copy the directory aside, then run: ${repairCommand(path)}`, { where: path });
  }
  return false;
}

/**
 * LevelDB opens a store whose write-ahead log is damaged without an error: it drops the damaged
 * records and says so only in its own LOG file, which it starts afresh at every open. Reading that
 * file is the one way to learn that acknowledged writes were lost.
 */
const LOSS_IN_LOG = /corrupt|dropping|checksum mismatch|error/i;

async function recoveryProblems(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(path, 'LOG'), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((line) => LOSS_IN_LOG.test(line)).map((line) => line.replace(/^\S+ \S+ /, '').trim());
}

/**
 * Salvage what LevelDB can from a damaged store (its own repair: rebuilds the manifest from the
 * table and log files; entries in damaged blocks are lost). LevelDB's repair does not take the
 * database lock itself, so this first checks that no hub process has the store open.
 */
export async function repairStore(path: string): Promise<void> {
  const location = resolve(path);
  const repair = (Level as unknown as { repair?: (location: string) => Promise<void> }).repair;
  if (typeof repair !== 'function') {
    throw new StoreError('STORE_OPEN_FAILED', 'this LevelDB binding has no repair', { where: location });
  }
  if ((await levelFiles(location)).length === 0) throw new StoreError('STORE_OPEN_FAILED', 'no database here to repair', { where: location });
  await checkNotInUse(location);
  try {
    await repair.call(Level, location);
  } catch (error) {
    throw translateLevelError(error, location, location, 'open');
  }
}

/**
 * Opening takes the lock before reading anything, so a damaged store (CURRENT or MANIFEST lost,
 * tables corrupt) still tells us whether it is in use: any failure but the lock's is for the repair.
 */
async function checkNotInUse(location: string): Promise<void> {
  const probe: Database = new Level<string, Uint8Array>(location, { createIfMissing: false, keyEncoding: 'utf8', valueEncoding: 'view' });
  try {
    await probe.open();
  } catch (error) {
    const translated = translateLevelError(error, location, location, 'open');
    if (translated instanceof StoreError && translated.code === 'STORE_LOCKED') throw translated;
    return;
  }
  await probe.close();
}
