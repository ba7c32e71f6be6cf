import { existsSync, lstatSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { HubError } from '../../hal/errors.js';
import { removeStaleTemps } from '../security/atomic-file.js';
import { fileDigest, MANIFEST_NAME, type Manifest } from './bundle-manifest.js';

export class UpdateError extends HubError {}

export interface Owner {
  uid: number;
  gid: number;
}

function run(command: string, args: string[], input?: Buffer): void {
  const result = spawnSync(command, args, { input, encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new UpdateError('COMMAND_FAILED', `${command} ${args.join(' ')}: ${result.error?.message ?? result.stderr.trim()}`, { where: command });
}

/**
 * A slot's bundle, unpacked beside its Upgrade Image as `bundle/`, what hub-launch runs. It is
 * unpacked in a temporary folder in the slot, every file checked against the bundle's manifest, and
 * only then renamed into place: a power cut leaves no half bundle where the launcher looks.
 */
export const BUNDLE_DIR = 'bundle';

/** The bundle's files all match its manifest (a slot unpacked earlier, or just now); the manifest, or undefined. */
export async function checkBundle(dir: string): Promise<Manifest | undefined> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  for (const file of manifest.files) {
    const digest = existsSync(join(dir, file.path)) || isLink(join(dir, file.path)) ? fileDigest(join(dir, file.path)) : undefined;
    if (digest?.size !== file.size || digest.sha256 !== file.sha256) return undefined;
  }
  return manifest;
}

const isLink = (path: string) => lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true;

/** Removes what an atomic write of the slot tree's files, cut short, left beside them. */
export async function removeSlotTemps(root: string): Promise<void> {
  await removeStaleTemps(join(root, 'state.json'));
  for (const slot of ['slot-a', 'slot-b']) {
    if (!existsSync(join(root, slot))) continue;
    for (const file of ['image.bin', 'manifest.json']) await removeStaleTemps(join(root, slot, file));
  }
}

/** Unpacks `bundle` as the slot's `bundle/`, owned by `owner` (unchanged when undefined), unless it is there whole already. */
export async function unpackBundle(bundle: Buffer, slotDir: string, owner?: Owner): Promise<Manifest> {
  const target = join(slotDir, BUNDLE_DIR);
  const done = await checkBundle(target);
  if (done) return done;
  // What an unpacking cut short by a power cut left behind.
  for (const name of await readdir(slotDir)) if (name.startsWith('.bundle-')) await rm(join(slotDir, name), { recursive: true, force: true });
  const temp = await mkdtemp(join(slotDir, '.bundle-'));
  try {
    run('tar', ['-xzf', '-', '-C', temp, '--no-same-owner'], bundle);
    const manifest = await checkBundle(temp);
    if (!manifest) throw new UpdateError('BUNDLE_DAMAGED', 'the bundle does not match its own manifest (or has none): it was not made by npm run flash:bundle, or was damaged', { where: slotDir });
    if (owner) run('chown', ['-R', `${owner.uid}:${owner.gid}`, temp]);
    run('sync', ['-f', temp]);
    await rm(target, { recursive: true, force: true });
    await rename(temp, target);
    run('sync', ['-f', slotDir]);
    return manifest;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}
