import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreError } from './errors.js';
import { repairCommand } from './level-errors.js';

/** LevelDB's own files: CURRENT names the MANIFEST, which lists the tables (.ldb, .sst); .log is the write-ahead log. */
const LEVEL_FILE = /^(CURRENT|MANIFEST-\d+|\d+\.(ldb|sst|log))$/;

export async function levelFiles(path: string): Promise<string[]> {
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
export async function isNewStore(path: string): Promise<boolean> {
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

export async function recoveryProblems(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(path, 'LOG'), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((line) => LOSS_IN_LOG.test(line)).map((line) => line.replace(/^\S+ \S+ /, '').trim());
}
