import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { jsonCodec, openStore, StoreError } from '../../../src/store/index.js';

export async function tempDir(prefix = 'hub-store-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A data key provider standing in for the SecureElement's `dataKey()` (the real one is tested on its own). */
export function dataKeyOf(key: Buffer = randomBytes(32)): { dataKey: () => Promise<Buffer> } {
  return { dataKey: async () => Buffer.from(key) };
}

export async function storeRejection(promise: Promise<unknown>): Promise<StoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreError);
  return error as StoreError;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Every file under `dir`, with its bytes. */
export async function filesUnder(dir: string): Promise<Array<{ name: string; bytes: Buffer }>> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((entry) => entry.isFile());
  return Promise.all(
    files.map(async (entry) => {
      const path = join(entry.parentPath, entry.name);
      return { name: path, bytes: await readFile(path) };
    }),
  );
}

/** A store copied while open (its writes only in the write-ahead log, as after a crash), with bytes of that log flipped. */
export async function storeWithDamagedLog(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hub-recovery-'));
  const live = join(root, 'live');
  const store = await openStore({ path: live });
  const things = await store.domain({ name: 'things', codec: jsonCodec<{ n: number; text: string }>() });
  for (let n = 0; n < 200; n++) await things.put(`k${n}`, { n, text: 'x'.repeat(100) });
  // A copy taken while the store is open holds its writes only in the write-ahead log, as after a crash.
  const copy = join(root, 'copy');
  await cp(live, copy, { recursive: true, filter: (source) => !source.endsWith('LOCK') });
  await store.close();
  const log = (await readdir(copy)).find((name) => name.endsWith('.log'))!;
  const bytes = await readFile(join(copy, log));
  for (let at = 3_000; at < 3_200; at++) bytes[at] = bytes[at]! ^ 0xff;
  await writeFile(join(copy, log), bytes);
  return copy;
}
