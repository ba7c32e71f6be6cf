import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { describe, expect, it } from 'vitest';
import { jsonCodec, openStore, repairStore, sequenceKey, type Store } from '../../../src/store/index.js';
import { runScript } from './child.js';
import { collect, storeRejection, tempDir } from './helpers.js';

const entries = { name: 'eventLog', codec: jsonCodec<string>() };
const ENTRIES = 200;

/** A store whose entries have been compacted into a table file (.ldb), closed. */
async function filledStore(): Promise<string> {
  const path = await tempDir();
  let store: Store = await openStore({ path });
  const log = await store.domain(entries);
  for (let i = 0; i < ENTRIES; i++) await store.batch().put(log, sequenceKey(i), 'x'.repeat(200) + i).write();
  await store.close();
  // LevelDB turns the write-ahead log into a table when it reopens.
  store = await openStore({ path });
  await store.close();
  return path;
}

async function overwrite(path: string, matching: RegExp, from: number, to: number): Promise<string> {
  const name = (await readdir(path)).find((f) => matching.test(f));
  expect(name, `a file matching ${matching} in ${path}`).toBeDefined();
  const bytes = await readFile(join(path, name!));
  bytes.fill(0x55, Math.min(from, bytes.length), Math.min(to, bytes.length));
  await writeFile(join(path, name!), bytes);
  return name!;
}

describe('store locking', () => {
  it('says another hub process is using the path when this process has it open', async () => {
    const path = await tempDir();
    const first = await openStore({ path });
    const error = await storeRejection(openStore({ path }));
    expect(error.code).toBe('STORE_LOCKED');
    expect(error.message).toContain(`another hub process is using ${path}`);
    expect((await storeRejection(repairStore(path))).code).toBe('STORE_LOCKED');
    await first.close();
    await (await openStore({ path })).close();
  });

  it('says so when another process holds it, and opens once that process is gone', async () => {
    const path = await tempDir();
    const holder = runScript(new URL('./fixtures/hold-open.ts', import.meta.url).href, [path]);
    await holder.waitFor((line) => line.startsWith('open '));
    const error = await storeRejection(openStore({ path }));
    expect(error.code).toBe('STORE_LOCKED');
    expect(error.message).toContain(path);
    await holder.kill();
    await (await openStore({ path })).close();
  });
});

describe('damaged store', () => {
  it('names the path and the repair command when the manifest is damaged, and repairs it', async () => {
    const path = await filledStore();
    await overwrite(path, /^MANIFEST-/, 0, 64);
    const error = await storeRejection(openStore({ path }));
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toContain(path);
    expect(error.message).toContain(`hub store repair "${path}"`);

    await repairStore(path);
    const store = await openStore({ path });
    const log = await store.domain(entries);
    expect(await log.count()).toBe(ENTRIES);
    await store.close();
    // Repairing a healthy store is harmless; repairing nothing is an error.
    await repairStore(path);
    expect((await storeRejection(repairStore(join(path, 'absent')))).code).toBe('STORE_OPEN_FAILED');
    const notADirectory = await storeRejection(openStore({ path: join(path, 'CURRENT', 'db') }));
    expect(notADirectory.code).toBe('STORE_OPEN_FAILED');
    expect(notADirectory.message).toContain(join(path, 'CURRENT', 'db'));
    const again = await openStore({ path });
    expect(await (await again.domain(entries)).count()).toBe(ENTRIES);
    await again.close();
  });

  it('keeps values readable after repair', async () => {
    const path = await filledStore();
    await overwrite(path, /^MANIFEST-/, 0, 64);
    await repairStore(path);
    const store = await openStore({ path });
    const log = await store.domain(entries);
    expect(await log.get(sequenceKey(7))).toBe('x'.repeat(200) + 7);
    await store.close();
  });

  it('reports a damaged table when it is read, and repair salvages the rest', async () => {
    const path = await filledStore();
    await overwrite(path, /\.ldb$/, 1000, 3000);
    const store = await openStore({ path });
    const log = await store.domain(entries);
    const error = await storeRejection(collect(log.entries()));
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toContain('hub store repair');
    await store.close();

    await repairStore(path);
    const repaired = await openStore({ path });
    const left = await collect((await repaired.domain(entries)).entries());
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThan(ENTRIES);
    for (const [key, value] of left) expect(value).toBe('x'.repeat(200) + Number(key));
    await repaired.close();
  });

  it('reports unreadable bookkeeping in meta as damage, naming the repair command', async () => {
    const path = await tempDir();
    await (await openStore({ path })).close();
    const raw = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await raw.sublevel<string, string>('meta', { keyEncoding: 'utf8', valueEncoding: 'utf8' }).put('schemaVersion', '{not json');
    await raw.close();
    const error = await storeRejection(openStore({ path }));
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toContain('meta/schemaVersion');
    expect(error.message).toContain('hub store repair');
    // A refused open leaves the store unlocked.
    const again = new Level(path);
    await again.open();
    await again.close();
  });
});
