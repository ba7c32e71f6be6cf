import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import { jsonCodec, openStore, sequenceKey } from '../../../src/store/index.js';
import { filesUnder, storeRejection, tempDir } from './helpers.js';

/**
 * A store that has lost CURRENT or its MANIFEST still has its tables. Opening must not start an
 * empty database over them (LevelDB would, and delete them); `hub store check` says what is wrong
 * and changes nothing; `hub store repair` rebuilds it from the tables and logs.
 */
const things = { name: 'things', codec: jsonCodec<string>() };
const ENTRIES = 300;

/** A closed store with its entries in a table file and a few more in the write-ahead log. */
async function filledStore(): Promise<string> {
  const path = join(await tempDir('hub-missing-'), 'db');
  let store = await openStore({ path });
  let domain = await store.domain(things);
  for (let i = 0; i < ENTRIES - 10; i++) await domain.put(sequenceKey(i), `value ${i}`);
  await store.close();
  store = await openStore({ path });
  domain = await store.domain(things);
  for (let i = ENTRIES - 10; i < ENTRIES; i++) await domain.put(sequenceKey(i), `value ${i}`);
  await store.close();
  return path;
}

function quietly(): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  return { out, err };
}

describe('a store that lost CURRENT or its MANIFEST', () => {
  afterEach(() => vi.restoreAllMocks());

  for (const lost of [/^CURRENT$/, /^MANIFEST-/]) {
    it(`is refused, left as it is by hub store check, and recovered whole by hub store repair (${lost.source})`, async () => {
      const path = await filledStore();
      expect((await readdir(path)).some((name) => name.endsWith('.ldb'))).toBe(true);
      for (const name of (await readdir(path)).filter((n) => lost.test(n))) await rm(join(path, name));
      const before = await filesUnder(path);

      const refused = await storeRejection(openStore({ path }));
      expect(refused.code).toBe('STORE_CORRUPT');
      expect(refused.message).toContain(`hub store repair "${path}"`);
      const streams = quietly();
      expect(await main(['store', 'check', '--store', path])).toBe(2);
      vi.restoreAllMocks();
      expect(streams.err.join('')).toMatch(/STORE_CORRUPT/);
      expect(await filesUnder(path)).toEqual(before);

      quietly();
      expect(await main(['store', 'repair', path])).toBe(0);
      expect(await main(['store', 'check', '--store', path])).toBe(0);
      vi.restoreAllMocks();
      const store = await openStore({ path });
      const domain = await store.domain(things);
      expect(await domain.count()).toBe(ENTRIES);
      expect(await domain.get(sequenceKey(ENTRIES - 1))).toBe(`value ${ENTRIES - 1}`);
      expect(await domain.get(sequenceKey(0))).toBe('value 0');
      await store.close();
    });
  }
});
