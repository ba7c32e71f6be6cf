import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import { jsonCodec, openStore } from '../../../src/store/index.js';
import { storeWithDamagedLog } from './helpers.js';

/**
 * LevelDB drops damaged write-ahead-log records at open without failing; the store must still tell
 * its owner, since acknowledged writes may be gone.
 */
describe('store recovery problems', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reports nothing for a store that opens cleanly', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'hub-recovery-')), 'db');
    const store = await openStore({ path });
    await (await store.domain({ name: 'things', codec: jsonCodec<number>() })).put('a', 1);
    await store.close();
    const reopened = await openStore({ path });
    expect(reopened.recoveryProblems).toEqual([]);
    await reopened.close();
  });

  it('reports the records LevelDB dropped from a damaged log, and hub store check fails on them', async () => {
    const path = await storeWithDamagedLog();
    const store = await openStore({ path });
    expect(store.recoveryProblems.length).toBeGreaterThan(0);
    expect(store.recoveryProblems.join('\n')).toMatch(/corrupt|checksum|dropping/i);
    await store.close();

    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
    expect(await main(['store', 'check', '--store', path])).toBe(2);
    vi.restoreAllMocks();
    expect(err.join('')).toMatch(/STORE_RECOVERED_WITH_LOSS/);

    // Once acknowledged, the store checks clean again.
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    expect(await main(['store', 'check', '--acknowledge', '--store', path])).toBe(0);
    expect(await main(['store', 'check', '--store', path])).toBe(0);
    vi.restoreAllMocks();
    expect(out.join('')).toMatch(/acknowledged[\s\S]*opens cleanly/);
  });
});
