import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { itNeeds } from '../helpers/prerequisites.js';

/**
 * flash/write-sd against a real block device (a loop device over a scratch file): the dry run names
 * the device and writes nothing; a wrong answer writes nothing; the device's name given back writes
 * the image; what is not a whole, free block device big enough is refused.
 */
const WRITE_SD = fileURLToPath(new URL('../../flash/write-sd', import.meta.url));
const root = process.getuid?.() === 0;
const losetup = root && spawnSync('losetup', ['--version']).error === undefined;
const absent = losetup ? undefined : 'root and losetup (Debian package mount) are needed to attach a loop device for flash/write-sd';

let work: string;
let device: string | undefined;
let image: Buffer;

function writeSd(args: string[], answer = ''): { status: number | null; out: string } {
  const result = spawnSync(WRITE_SD, args, { input: answer, encoding: 'utf8' });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

function deviceStart(length: number): Buffer {
  const fd = openSync(device!, 'r');
  try {
    const bytes = Buffer.alloc(length);
    readSync(fd, bytes, 0, length, 0);
    return bytes;
  } finally {
    closeSync(fd);
  }
}

describe('flash/write-sd', () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'hub-write-sd-'));
    image = randomBytes(1024 * 1024);
    writeFileSync(join(work, 'card.img'), image);
    writeFileSync(join(work, 'big.img'), Buffer.alloc(9 * 1024 * 1024));
    writeFileSync(join(work, 'disk'), Buffer.alloc(8 * 1024 * 1024));
    if (losetup) {
      const attached = spawnSync('losetup', ['--find', '--show', join(work, 'disk')], { encoding: 'utf8' });
      if (attached.status === 0) device = attached.stdout.trim();
    }
  });
  afterAll(async () => {
    if (device) spawnSync('losetup', ['--detach', device]);
    await rm(work, { recursive: true, force: true });
  });

  itNeeds(absent)('names the device in a dry run and writes nothing; writes only once given its name back', () => {
    expect(device, 'losetup could not attach a loop device').toBeDefined();
    const dry = writeSd(['--dry-run', join(work, 'card.img'), device!]);
    expect(dry.status, dry.out).toBe(0);
    expect(dry.out).toContain(`device: ${device}`);
    expect(dry.out).toContain('8388608 bytes');
    expect(dry.out).toContain('dry run: nothing written');
    expect(deviceStart(image.length).equals(Buffer.alloc(image.length))).toBe(true);

    const refused = writeSd([join(work, 'card.img'), device!], 'yes\n');
    expect(refused.status).toBe(1);
    expect(refused.out).toContain('not confirmed: nothing written');
    expect(deviceStart(image.length).equals(Buffer.alloc(image.length))).toBe(true);

    const written = writeSd([join(work, 'card.img'), device!], `${basename(device!)}\n`);
    expect(written.status, written.out).toBe(0);
    expect(deviceStart(image.length).equals(image)).toBe(true);
  });

  itNeeds(absent)('refuses an image larger than the device, a file that is no block device, and the disk this system runs from', () => {
    expect(writeSd(['--dry-run', join(work, 'big.img'), device!]).out).toMatch(/holds 8388608 bytes; the image is 9437184/);
    const notDevice = writeSd(['--dry-run', join(work, 'card.img'), join(work, 'disk')]);
    expect([notDevice.status, notDevice.out.trim()]).toEqual([1, `write-sd: ${join(work, 'disk')}: not a block device`]);
    const rootDisk = spawnSync('findmnt', ['-no', 'SOURCE', '/'], { encoding: 'utf8' }).stdout.trim();
    if (rootDisk.startsWith('/dev/')) {
      const own = writeSd(['--dry-run', join(work, 'card.img'), rootDisk]);
      expect(own.status).toBe(1);
      expect(own.out).toMatch(/is mounted|runs from it|not a whole device/);
    }
    expect(writeSd([join(work, 'card.img')]).out).toContain('usage: flash/write-sd');
  });
});
