import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FlashError } from './errors.js';
import { run } from './run.js';
import type { Target } from './targets.js';

/** Downloads survive between builds here, outside the repository, so CI's second run fetches nothing. */
export function cacheDir(): string {
  return process.env['HUB_FLASH_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'hub-flash');
}

function integrityOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

/**
 * The target's Node package tarball from the npm registry (through npm itself, with npm's cache),
 * checked against the integrity pinned in the targets table before it is used or kept.
 */
export function nodePackage(target: Target): string {
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${target.nodePackage}-${target.nodeVersion}.tgz`);
  if (existsSync(file) && integrityOf(file) === target.nodeIntegrity) return file;
  const incoming = join(dir, 'incoming');
  mkdirSync(incoming, { recursive: true });
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', incoming, `${target.nodePackage}@${target.nodeVersion}`], { cwd: dir })) as Array<{ filename: string }>;
  const fetched = join(incoming, packed[0]!.filename);
  const integrity = integrityOf(fetched);
  if (integrity !== target.nodeIntegrity) {
    throw new FlashError('NODE_INTEGRITY', `${target.nodePackage}@${target.nodeVersion} from the registry has integrity ${integrity}, not the pinned ${target.nodeIntegrity}`, { where: fetched });
  }
  renameSync(fetched, file);
  return file;
}

/** Puts the package's `bin/node` and its LICENSE into the bundle's tree. */
export function unpackNode(tarball: string, into: string): void {
  mkdirSync(join(into, 'bin'), { recursive: true });
  mkdirSync(join(into, 'share', 'node'), { recursive: true });
  run('tar', ['-xzf', tarball, '-C', join(into, 'bin'), '--strip-components=2', 'package/bin/node']);
  run('tar', ['-xzf', tarball, '-C', join(into, 'share', 'node'), '--strip-components=1', 'package/LICENSE']);
}
