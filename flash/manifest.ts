import { readdirSync, readFileSync, lstatSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileDigest, MANIFEST_NAME, type Manifest, type ManifestFile } from '../src/update/index.js';

export { MANIFEST_NAME, type Manifest, type ManifestFile };

/**
 * What a bundle holds, for a person and for a board: the versions in it and every file's SHA-256,
 * in a fixed order with nothing of the build's time or place, so two builds of one commit give the
 * same manifest. `sha256sum -c` can check a bundle against `files` (see `checksums`).
 */
/** Every regular file and symlink under `root` (not the manifest itself), sorted by path. */
export function listFiles(root: string): ManifestFile[] {
  const files: ManifestFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path);
      else {
        const rel = relative(root, path);
        if (rel === MANIFEST_NAME) continue;
        // Only the execute bit is the build's: the archive gives every file the same owner and the rest of the mode.
        files.push({ path: rel, ...fileDigest(path), mode: stat.mode & 0o111 ? '0755' : '0644', ...(stat.isSymbolicLink() ? { symlink: readlinkSync(path) } : {}) });
      }
    }
  };
  walk(root);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The installed production packages, from npm's record of the tree it made. */
export function installedDependencies(appDir: string): Record<string, string> {
  const lock = JSON.parse(readFileSync(join(appDir, 'node_modules', '.package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  return Object.fromEntries(
    Object.entries(lock.packages)
      .filter(([path, entry]) => path.startsWith('node_modules/') && entry.version)
      .map(([path, entry]) => [path.slice('node_modules/'.length), entry.version!])
      .sort(([a], [b]) => (a! < b! ? -1 : 1)),
  );
}

/** The manifest's file list in `sha256sum -c` form, for checking an unpacked bundle with a tool we did not write. */
export function checksums(manifest: Manifest): string {
  return manifest.files.filter((file) => file.symlink === undefined).map((file) => `${file.sha256}  ${file.path}\n`).join('');
}
