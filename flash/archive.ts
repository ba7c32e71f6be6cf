import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { run } from './run.js';

/**
 * A tree as a .tar.gz whose bytes depend only on the tree's contents: names sorted, one mtime (the
 * commit's), owner and group 0, modes normalised, no PAX times, and gzip without name or time.
 */
export function deterministicTarGz(dir: string, out: string, mtime: number): string {
  run('bash', ['-o', 'pipefail', '-c', 'tar --sort=name --format=gnu --mtime="@$1" --owner=0 --group=0 --numeric-owner --mode="u+rwX,go+rX,go-w" -C "$2" -cf - . | gzip -n -6 > "$3"', 'tar', String(mtime), dir, out]);
  return createHash('sha256').update(readFileSync(out)).digest('hex');
}
