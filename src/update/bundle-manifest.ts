import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * A board bundle's manifest.json (made by `npm run flash:bundle`): the versions in it and every
 * file's SHA-256, which a slot's unpacked bundle is checked against before it is used.
 */
export const MANIFEST_NAME = 'manifest.json';

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
  mode: string;
  /** A symlink's target (its sha256 is then of `symlink:<target>`). */
  symlink?: string;
}

export interface Manifest {
  name: string;
  version: string;
  commit: string;
  arch: string;
  node: { package: string; version: string };
  /** Production dependencies as installed: package path to version. */
  dependencies: Record<string, string>;
  files: ManifestFile[];
}

/** A file's SHA-256 and size; a symlink's are its target's text's (node_modules/.bin holds symlinks). */
export function fileDigest(path: string): { sha256: string; size: number } {
  const stat = lstatSync(path);
  const bytes = stat.isSymbolicLink() ? Buffer.from(`symlink:${readlinkSync(path)}`) : readFileSync(path);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: stat.size };
}
