import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { parse } from 'yaml';
import { install, PATHS } from '../../flash/install.js';
import { checksums, type Manifest } from '../../flash/manifest.js';
import { describeRtds, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { scratchRoot, signedImage, smallBundle, treeHash } from './scratch-root.js';

/**
 * flash/install into a scratch directory laid out like Raspberry Pi OS: the files, owners and modes,
 * the enabled units, the udev rule, the boot partition's edits and the slots, checked one by one; a
 * second run changes nothing (the tree's hash: paths, modes, owners, contents); bad input leaves the
 * tree as it was.
 */
const INSTALL = fileURLToPath(new URL('../../flash/install', import.meta.url));
const cleanups: string[] = [];
afterEach(async () => {
  for (const dir of cleanups.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function prepared(): Promise<{ root: string; imageFile: string; image: Buffer; bundle: Buffer }> {
  const root = await scratchRoot();
  cleanups.push(root);
  const bundle = await smallBundle('0.1.0');
  const image = await signedImage(bundle, 0x00000100);
  const imageFile = join(root, '..', `${root.split('/').pop()}.img`);
  writeFileSync(imageFile, image);
  cleanups.push(imageFile);
  return { root, imageFile, image, bundle };
}

const passwdEntry = (root: string, name: string) => readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n').find((line) => line.startsWith(`${name}:`))?.split(':');
const groupMembers = (root: string, name: string) => readFileSync(join(root, 'etc/group'), 'utf8').split('\n').find((line) => line.startsWith(`${name}:`))!.split(':')[3]!.split(',');
const modeOf = (path: string) => lstatSync(path).mode & 0o7777;

describeRtds('flash/install', () => {
  it('lays out the hub in a Raspberry Pi 4 root filesystem, and a second run changes nothing', async () => {
    const { root, imageFile, image } = await prepared();
    await install({ image: imageFile, rootfs: root, board: 'rpi4b', keystore: RTDS_KEYSTORE });

    // The user: a system account without login or password, in dialout and gpio.
    const hub = passwdEntry(root, 'hub')!;
    const [uid, gid] = [Number(hub[2]), Number(hub[3])];
    expect(hub.slice(4)).toEqual(['GB smart-metering hub', '/var/lib/hub', '/usr/sbin/nologin']);
    expect(uid).toBe(999);
    expect(readFileSync(join(root, 'etc/group'), 'utf8')).toContain(`hub:x:${gid}:\n`);
    expect(groupMembers(root, 'dialout')).toEqual(['pi', 'hub']);
    expect(groupMembers(root, 'gpio')).toEqual(['pi', 'hub']);
    expect(readFileSync(join(root, 'etc/shadow'), 'utf8')).toContain('hub:!*:::::::\n');
    expect(modeOf(join(root, 'etc/shadow'))).toBe(0o640);

    // The config: the board chosen, private to the hub's user; the certificates, never a private key.
    const configPath = join(root, PATHS.config);
    expect(parse(readFileSync(configPath, 'utf8'))).toMatchObject({ radio: { board: 'rpi4b', port: '/dev/serial/by-id/hub-radio' }, store: { path: '/var/lib/hub/state' }, firmware: { slots: '/var/lib/hub/slots' }, security: { keystore: '/etc/hub/keystore' } });
    expect([modeOf(configPath), lstatSync(configPath).uid]).toEqual([0o600, uid]);
    const copied = readdirSync(join(root, PATHS.keystore));
    expect(copied).toContain('90b3d51f30010000-ds.pem');
    expect(copied.filter((name) => !name.endsWith('.pem'))).toEqual([]);

    // The units, enabled as systemctl enable would; Bluetooth's UART service disabled.
    const wants = join(root, 'etc/systemd/system/multi-user.target.wants');
    expect(readlinkSync(join(wants, 'hub.service'))).toBe('/etc/systemd/system/hub.service');
    expect(readlinkSync(join(wants, 'hub-firstboot.service'))).toBe('/etc/systemd/system/hub-firstboot.service');
    expect(readdirSync(wants)).not.toContain('hciuart.service');
    expect(readFileSync(join(root, 'etc/systemd/system/hub.service'), 'utf8')).toContain('Type=notify');
    expect(modeOf(join(root, PATHS.launcher))).toBe(0o755);
    expect(readlinkSync(join(root, PATHS.command))).toBe('../lib/hub/hub-launch');

    // The radio's udev rule: one stable by-id name, ModemManager told to keep off.
    const rule = readFileSync(join(root, PATHS.udev), 'utf8');
    expect(rule).toMatch(/KERNEL=="ttyAMA0", SYMLINK\+="serial\/by-id\/hub-radio".*ENV\{ID_MM_DEVICE_IGNORE\}="1"/);

    // The boot partition: the PL011 on the header, no kernel console on it.
    const configTxt = readFileSync(join(root, 'boot/firmware/config.txt'), 'utf8');
    expect(configTxt).toMatch(/\[all\]\nenable_uart=1\ndtoverlay=disable-bt\n# END gb-comms-hub\n$/);
    expect(configTxt.startsWith('# For more options')).toBe(true);
    expect(readFileSync(join(root, 'boot/firmware/cmdline.txt'), 'utf8')).toBe('console=tty1 root=PARTUUID=4e639091-02 rootfstype=ext4 fsck.repair=yes rootwait quiet splash\n');

    // The slots: slot A runs the image, its bundle unpacked beside it and whole by sha256sum.
    const slots = join(root, PATHS.slots);
    expect(JSON.parse(readFileSync(join(slots, 'state.json'), 'utf8'))).toEqual({ active: 'a' });
    expect(readFileSync(join(slots, 'slot-a/image.bin'))).toEqual(image);
    for (const path of [join(root, PATHS.state), slots, join(slots, 'state.json'), join(slots, 'slot-a/image.bin'), join(slots, 'slot-a/bundle/bin/hub')]) expect([path, lstatSync(path).uid, lstatSync(path).gid]).toEqual([path, uid, gid]);
    expect(modeOf(join(root, PATHS.state))).toBe(0o700);
    const bundleDir = join(slots, 'slot-a/bundle');
    const manifest = JSON.parse(readFileSync(join(bundleDir, 'manifest.json'), 'utf8')) as Manifest;
    const judged = spawnSync('sha256sum', ['--check', '--strict'], { cwd: bundleDir, input: checksums(manifest), encoding: 'utf8' });
    expect(judged.status, judged.stdout + judged.stderr).toBe(0);

    const first = treeHash(root);
    await install({ image: imageFile, rootfs: root, board: 'rpi4b', keystore: RTDS_KEYSTORE });
    expect(treeHash(root)).toBe(first);
  }, 60_000);

  it("uses the Pi 5's own UART overlay and keeps its debug console", async () => {
    const { root, imageFile } = await prepared();
    await install({ image: imageFile, rootfs: root, board: 'rpi5', keystore: RTDS_KEYSTORE });
    expect(readFileSync(join(root, 'boot/firmware/config.txt'), 'utf8')).toMatch(/\[all\]\ndtoverlay=uart0-pi5,ctsrts\n# END gb-comms-hub\n$/);
    expect(readFileSync(join(root, 'boot/firmware/config.txt'), 'utf8')).not.toContain('disable-bt');
    // serial0 is the Pi 5's debug connector (ttyAMA10), not the radio's UART0.
    expect(readFileSync(join(root, 'boot/firmware/cmdline.txt'), 'utf8')).toContain('console=serial0,115200');
    expect(readdirSync(join(root, 'etc/systemd/system/multi-user.target.wants'))).toContain('hciuart.service');
    // Another board later replaces the block rather than adding a second.
    await install({ image: imageFile, rootfs: root, board: 'usb-efr32', keystore: RTDS_KEYSTORE });
    expect(readFileSync(join(root, 'boot/firmware/config.txt'), 'utf8')).not.toContain('gb-comms-hub');
  }, 60_000);

  it('refuses a bundle that is not signed, an image its keystore does not trust, an unknown board and a folder that is no root filesystem, changing nothing', async () => {
    const { root, bundle, imageFile } = await prepared();
    const before = treeHash(root);
    const bundleFile = `${imageFile}.tar.gz`;
    writeFileSync(bundleFile, bundle);
    cleanups.push(bundleFile);
    await expect(install({ image: bundleFile, rootfs: root, board: 'rpi4b', keystore: RTDS_KEYSTORE })).rejects.toMatchObject({ code: 'BUNDLE_NOT_PACKED' });
    const forged = readFileSync(imageFile);
    forged[forged.length - 1]! ^= 0x01;
    const forgedFile = `${imageFile}.forged`;
    writeFileSync(forgedFile, forged);
    cleanups.push(forgedFile);
    await expect(install({ image: forgedFile, rootfs: root, board: 'rpi4b', keystore: RTDS_KEYSTORE })).rejects.toThrow(/signature/);
    await expect(install({ image: imageFile, rootfs: root, board: 'rpi9', keystore: RTDS_KEYSTORE })).rejects.toMatchObject({ code: 'UNKNOWN_BOARD' });
    await expect(install({ image: imageFile, rootfs: join(root, 'boot'), board: 'rpi4b', keystore: RTDS_KEYSTORE })).rejects.toMatchObject({ code: 'NOT_A_ROOTFS' });
    expect(treeHash(root)).toBe(before);
  }, 60_000);
});

describeRtds('flash/install cut short', () => {
  it('is finished by running it again: the tree is the one an install never interrupted gives', async () => {
    const { root: reference, imageFile } = await prepared();
    await install({ image: imageFile, rootfs: reference, board: 'rpi4b', keystore: RTDS_KEYSTORE });
    const whole = treeHash(reference);
    const root = await scratchRoot();
    cleanups.push(root);
    // SIGKILL at growing moments of the command's run, each followed by the next attempt.
    for (const afterMs of [2_000, 3_000, 4_000, 5_000, 6_000]) {
      const child = spawn(INSTALL, [imageFile, root, '--board', 'rpi4b', '--keystore', RTDS_KEYSTORE], { stdio: 'ignore', detached: true });
      const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), afterMs);
      await new Promise((resolve) => child.once('exit', resolve));
      clearTimeout(killer);
    }
    const finished = spawnSync(INSTALL, [imageFile, root, '--board', 'rpi4b', '--keystore', RTDS_KEYSTORE], { encoding: 'utf8' });
    expect(finished.status, finished.stderr).toBe(0);
    expect(finished.stdout).toBe(`installed into ${root} for the rpi4b\n`);
    expect(treeHash(root)).toBe(whole);
  }, 120_000);

  it('says what is wrong on one line, without a stack, and exits 1', () => {
    const result = spawnSync(INSTALL, ['/nonexistent/hub.img', '/nonexistent/root', '--board', 'rpi4b', '--keystore', RTDS_KEYSTORE], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('error NOT_A_ROOTFS: /nonexistent/root: no etc/passwd here: give the mounted root filesystem\n');
  }, 60_000);
});
