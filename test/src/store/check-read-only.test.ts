import { afterEach, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import { filesUnder, storeWithDamagedLog } from './helpers.js';

/**
 * `hub store check` looks without touching: opening a store replays its write-ahead log into a new
 * table and drops what is damaged, which would destroy the evidence a repair or a person needs.
 */
afterEach(() => vi.restoreAllMocks());

it('reports a damaged log and leaves every file of the store as it was', async () => {
  const path = await storeWithDamagedLog();
  const before = await filesUnder(path);

  const err: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  expect(await main(['store', 'check', '--store', path])).toBe(2);
  expect(await main(['store', 'check', '--store', path])).toBe(2);
  vi.restoreAllMocks();
  expect(err.join('')).toMatch(/STORE_RECOVERED_WITH_LOSS/);
  expect(await filesUnder(path)).toEqual(before);
});
