import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { itNeeds } from '../prerequisites.js';
import { PowerCutDisk, powerCutUnavailable } from './power-cut.js';

/** A child that writes under `dir` with the library preloaded, then dies by SIGKILL. */
const WRITER = `
const fs = require('node:fs');
const dir = process.argv[1];
const put = (name, text, sync) => { const fd = fs.openSync(dir + '/' + name, 'a'); fs.writeSync(fd, text); if (sync === 'fsync') fs.fsyncSync(fd); if (sync === 'fdatasync') fs.fdatasyncSync(fd); fs.closeSync(fd); };
put('log', 'synced;', 'fdatasync');
put('log', 'lost;', false);
put('never-synced', 'lost', false);
fs.mkdirSync(dir + '/sub');
put('sub/kept', 'synced', 'fsync');
put('temp', 'renamed', 'fsync');
fs.renameSync(dir + '/temp', dir + '/current');
put('gone', 'synced', 'fsync');
fs.unlinkSync(dir + '/gone');
put('unsynced-temp', 'lost', false);
fs.renameSync(dir + '/unsynced-temp', dir + '/sub/kept');
process.kill(process.pid, 'SIGKILL');
`;

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the power-cut library', () => {
  itNeeds(powerCutUnavailable())('keeps, at a power cut, only what was synced: contents up to the last sync, renames and unlinks as done', async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-power-cut-'));
    const disk = await PowerCutDisk.create(dir, 'live');
    const child = spawnSync(process.execPath, ['-e', WRITER, disk.live], { env: disk.env, encoding: 'utf8' });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    // Before the cut, the page cache has everything.
    expect(readFileSync(join(disk.live, 'log'), 'utf8')).toBe('synced;lost;');
    await disk.cut();
    expect(readFileSync(join(disk.live, 'log'), 'utf8')).toBe('synced;');
    expect(existsSync(join(disk.live, 'never-synced'))).toBe(false);
    expect(readFileSync(join(disk.live, 'current'), 'utf8')).toBe('renamed');
    expect(existsSync(join(disk.live, 'temp'))).toBe(false);
    expect(existsSync(join(disk.live, 'gone'))).toBe(false);
    // A synced file replaced by a rename of one never synced: the name is lost with the unsynced data.
    expect(existsSync(join(disk.live, 'sub/kept'))).toBe(false);
  });
});
