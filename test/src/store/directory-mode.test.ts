import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonCodec, openStore } from '../../../src/store/index.js';
import { tempDir } from './helpers.js';

/** LevelDB makes its files 0644, so the directory is what keeps other local users out. */
const things = { name: 'things', codec: jsonCodec<string>() };

describe('the store directory', () => {
  it('is closed to other local users, even when it was made open to them', async () => {
    const path = join(await tempDir('hub-mode-'), 'db');
    await mkdir(path, { mode: 0o755 });
    await chmod(path, 0o755);
    const store = await openStore({ path });
    await (await store.domain(things)).put('a', 'b');
    await store.close();
    expect((await stat(path)).mode & 0o777).toBe(0o700);
  });
});
