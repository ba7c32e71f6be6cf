import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import { jsonCodec, openStore } from '../../../src/store/index.js';

function captureStreams() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  return { out, err };
}

describe('hub store', () => {
  afterEach(() => vi.restoreAllMocks());

  it('checks a healthy store and keeps its data through a repair', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'hub-cli-store-')), 'db');
    const store = await openStore({ path });
    const domain = await store.domain({ name: 'things', codec: jsonCodec<number>() });
    await domain.put('a', 1);
    await store.close();

    const streams = captureStreams();
    expect(await main(['store', 'repair', path])).toBe(0);
    expect(await main(['store', 'check', '--store', path])).toBe(0);
    vi.restoreAllMocks();
    expect(streams.out.join('')).toMatch(/repaired/);
    expect(streams.out.join('')).toMatch(/opens cleanly/);

    const reopened = await openStore({ path });
    expect(await (await reopened.domain({ name: 'things', codec: jsonCodec<number>() })).get('a')).toBe(1);
    await reopened.close();
  });

  it('refuses to check a path with no database instead of creating one', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'hub-cli-store-')), 'missing');
    const streams = captureStreams();
    expect(await main(['store', 'check', '--store', path])).toBe(2);
    vi.restoreAllMocks();
    expect(streams.err.join('')).toContain(`${path}: no database here`);
  });

  it('refuses to repair a store that a running hub holds', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'hub-cli-store-')), 'db');
    const store = await openStore({ path });
    const streams = captureStreams();
    expect(await main(['store', 'repair', path])).toBe(2);
    vi.restoreAllMocks();
    await store.close();
    expect(streams.err.join('')).toMatch(/another hub process is using/);
  });
});
