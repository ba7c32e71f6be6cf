import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { StoreError } from '../../../src/store/store.js';

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
