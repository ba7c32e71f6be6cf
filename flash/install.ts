import { existsSync } from 'node:fs';
import { chown, lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { HubSlots, parseUpgradeImage, type UpgradeImage } from '../src/firmware/index.js';
import { removeSlotTemps, unpackBundle, verifiedAgainstKeystore } from '../src/update/index.js';
import { FlashError } from './errors.js';
import { withHubAccount, type AccountFiles } from './rootfs/accounts.js';
import { BOARD_BOOT, editCmdlineTxt, editConfigTxt } from './rootfs/boards.js';
import { editFile, putDir, putFile, putSymlink, readText, removePath, type Owner } from './rootfs/tree.js';
import { FILES_DIR } from './files.js';

/**
 * `flash/install <image> <rootfs> --board B --keystore DIR`: the hub into a mounted Raspberry Pi OS
 * (or other Debian-based) root filesystem. The image is the bundle as a signed Upgrade Image
 * (`hub firmware pack`), as the hub checks its running slot's image against its Security Credentials
 * at every start; the keystore holds the certificates it is checked against. Every step is skipped
 * when already done, and each file lands whole or not at all, so an install cut short is finished by
 * running it again, and a second run changes nothing.
 */
export interface InstallOptions {
  image: string;
  rootfs: string;
  board: string;
  /** Remote parties' certificates (`<eui>-<ds|ka>.pem`); the supplier's signs the image. Keys (.key) are never copied. */
  keystore: string;
}

export const PATHS = {
  config: 'etc/hub/hub.yaml',
  keystore: 'etc/hub/keystore',
  launcher: 'usr/local/lib/hub/hub-launch',
  command: 'usr/local/bin/hub',
  units: 'etc/systemd/system',
  udev: 'etc/udev/rules.d/99-hub-radio.rules',
  state: 'var/lib/hub',
  slots: 'var/lib/hub/slots',
} as const;

const UNITS = ['hub.service', 'hub-firstboot.service'];

async function readImage(path: string, keystore: string): Promise<UpgradeImage> {
  const bytes = await readFile(path).catch((cause: unknown) => {
    throw new FlashError('IMAGE_UNREADABLE', 'cannot read the image', { where: path, cause });
  });
  if (bytes.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))) {
    throw new FlashError('BUNDLE_NOT_PACKED', 'this is a bundle, not an Upgrade Image: sign it first with `hub firmware pack <bundle> --key <supplier key> ... -o hub.img`, as the hub checks its image against its Security Credentials at every start', { where: path });
  }
  return verifiedAgainstKeystore(bytes, keystore);
}

async function accounts(rootfs: string): Promise<Owner> {
  const paths = { passwd: 'etc/passwd', group: 'etc/group', shadow: 'etc/shadow', gshadow: 'etc/gshadow' } as const;
  const now = {} as AccountFiles;
  for (const [name, path] of Object.entries(paths)) now[name as keyof AccountFiles] = (await readText(join(rootfs, path))) ?? '';
  const { files, uid, gid } = withHubAccount(now);
  for (const [name, path] of Object.entries(paths)) {
    const full = join(rootfs, path);
    if (existsSync(full)) await editFile(full, () => files[name as keyof AccountFiles]);
    else await putFile(full, files[name as keyof AccountFiles], name.includes('shadow') ? 0o640 : 0o644);
  }
  return { uid, gid };
}

/** The board's boot partition in the root filesystem: bookworm's /boot/firmware, else /boot. */
function bootDir(rootfs: string): string | undefined {
  return ['boot/firmware', 'boot'].map((dir) => join(rootfs, dir)).find((dir) => existsSync(join(dir, 'config.txt')));
}

async function bootFiles(rootfs: string, board: string): Promise<void> {
  const boot = BOARD_BOOT[board]!;
  const dir = bootDir(rootfs);
  // A USB radio needs nothing there, but takes out the block an earlier install for a header UART put in.
  if (!dir && boot.config.length === 0) return;
  if (!dir) throw new FlashError('NO_BOOT_PARTITION', `no config.txt in boot/firmware or boot: the ${board}'s UART is set up there (mount the boot partition at <rootfs>/boot/firmware)`, { where: rootfs });
  await editFile(join(dir, 'config.txt'), (text) => editConfigTxt(text, boot));
  if (existsSync(join(dir, 'cmdline.txt'))) await editFile(join(dir, 'cmdline.txt'), (text) => editCmdlineTxt(text, boot));
  for (const unit of boot.disable) await removePath(join(rootfs, PATHS.units, 'multi-user.target.wants', unit));
}

async function config(rootfs: string, board: string, owner: Owner, keystore: string): Promise<void> {
  const defaults = parse(await readFile(join(FILES_DIR, 'hub.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;
  const chosen = { ...defaults, radio: { board, ...defaults['radio'] }, security: { keystore: `/${PATHS.keystore}` } };
  await putDir(join(rootfs, 'etc/hub'), 0o755);
  // The hub refuses a config other users can read.
  await putFile(join(rootfs, PATHS.config), `# flash/install wrote this for the ${board}\n${stringify(chosen)}`, 0o600, owner);
  await putDir(join(rootfs, PATHS.keystore), 0o755);
  for (const name of (await readdir(keystore)).filter((file) => file.endsWith('.pem')).sort()) {
    await putFile(join(rootfs, PATHS.keystore, name), await readFile(join(keystore, name)), 0o644);
  }
}

async function service(rootfs: string): Promise<void> {
  await putFile(join(rootfs, PATHS.launcher), await readFile(join(FILES_DIR, 'hub-launch')), 0o755);
  await putSymlink(join(rootfs, PATHS.command), '../lib/hub/hub-launch');
  for (const unit of UNITS) {
    await putFile(join(rootfs, PATHS.units, unit), await readFile(join(FILES_DIR, unit)), 0o644);
    // What `systemctl enable` makes for WantedBy=multi-user.target.
    await putSymlink(join(rootfs, PATHS.units, 'multi-user.target.wants', unit), `/${PATHS.units}/${unit}`);
  }
  await putFile(join(rootfs, PATHS.udev), await readFile(join(FILES_DIR, '99-hub-radio.rules')), 0o644);
}

/** Slot A holds the image and its bundle, unpacked; a tree already set up must already run this image. */
async function slots(rootfs: string, image: UpgradeImage, owner: Owner): Promise<void> {
  await putDir(join(rootfs, PATHS.state), 0o700, owner);
  const root = join(rootfs, PATHS.slots);
  await putDir(root, 0o700, owner);
  await removeSlotTemps(root);
  // The image was checked against the keystore above; here only whether it is whole.
  const tree = new HubSlots(root, () => undefined);
  const setUp = existsSync(join(root, 'state.json'));
  const active = setUp ? (await tree.state()).active : 'a';
  if (setUp) {
    const running = await tree.complete(active);
    if (!running || !parseUpgradeImage(running, { signature: 'required' }).manufacturerImage.equals(image.manufacturerImage)) {
      throw new FlashError('SLOTS_HOLD_ANOTHER', `the slots already run another image (slot ${active.toUpperCase()}): update the hub over the WAN, or start from a fresh root filesystem`, { where: root });
    }
  }
  await putDir(join(root, `slot-${active}`), 0o755, owner);
  // The bundle first: a power cut before state.json leaves a tree the next run finishes.
  await unpackBundle(image.manufacturerImage, join(root, `slot-${active}`), owner);
  if (!setUp) await tree.initialise(image.bytes);
  for (const path of ['state.json', `slot-${active}/image.bin`, `slot-${active}/manifest.json`]) {
    const full = join(root, path);
    const now = await lstat(full);
    if (now.uid !== owner.uid || now.gid !== owner.gid) await chown(full, owner.uid, owner.gid);
  }
}

export async function install(options: InstallOptions): Promise<void> {
  const { rootfs, board } = options;
  if (!existsSync(join(rootfs, 'etc', 'passwd'))) throw new FlashError('NOT_A_ROOTFS', 'no etc/passwd here: give the mounted root filesystem', { where: rootfs });
  if (!Object.hasOwn(BOARD_BOOT, board)) throw new FlashError('UNKNOWN_BOARD', `"${board}" is not a board profile: one of ${Object.keys(BOARD_BOOT).join(', ')}`, { where: '--board' });
  const image = await readImage(options.image, options.keystore);
  const owner = await accounts(rootfs);
  await config(rootfs, board, owner, options.keystore);
  await service(rootfs);
  await bootFiles(rootfs, board);
  await slots(rootfs, image, owner);
}
