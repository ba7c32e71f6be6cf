import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { jsonCodec, openStore } from '../../../src/store/index.js';
import { filesUnder, storeRejection, tempDir } from './helpers.js';

/**
 * One sealed record changed on disk (AES-GCM refuses it) must not leave the hub unable to start for
 * good: `hub store check` names it (changing nothing), `hub store repair --drop-unreadable` deletes
 * it, records the loss, and keeps every other record.
 */
afterEach(() => vi.restoreAllMocks());

const things = { name: 'things', codec: jsonCodec<string>(), personal: true } as const;

it('names a changed sealed record in hub store check and drops only it in hub store repair --drop-unreadable', async () => {
  const path = join(await tempDir('hub-sealed-'), 'db');
  const secureElement = await FileSecureElement.open({ stateDir: path });
  let store = await openStore({ path, secureElement });
  let domain = await store.domain(things);
  for (let i = 0; i < 5; i++) await domain.put(`k${i}`, `secret ${i}`);
  await store.close();

  const raw = new Level<string, Uint8Array>(path, { createIfMissing: false, valueEncoding: 'view' });
  const sealed = raw.sublevel<string, Uint8Array>('things', { valueEncoding: 'view' });
  const value = Buffer.from((await sealed.get('k3'))!);
  value[value.length - 1] = value[value.length - 1]! ^ 0x01;
  await sealed.put('k3', value);
  await raw.close();

  store = await openStore({ path, secureElement });
  expect((await storeRejection((await store.domain(things)).get('k3'))).code).toBe('STORE_TAMPERED');
  await store.close();

  const before = await filesUnder(path);
  const err: string[] = [];
  const out: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  expect(await main(['store', 'check', '--store', path])).toBe(2);
  expect(await filesUnder(path)).toEqual(before);
  expect(await main(['store', 'repair', path, '--drop-unreadable'])).toBe(0);
  vi.restoreAllMocks();
  expect(err.join('')).toMatch(/1 sealed record\(s\) in things no longer open/);
  expect(out.join('')).toMatch(/dropped 1 damaged sealed record\(s\) from things/);

  store = await openStore({ path, secureElement });
  domain = await store.domain(things);
  expect(await domain.get('k3')).toBeUndefined();
  for (const i of [0, 1, 2, 4]) expect(await domain.get(`k${i}`)).toBe(`secret ${i}`);
  expect(store.recoveryProblems.join('\n')).toMatch(/dropped 1 damaged sealed record/);
  await store.close();
});
