import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';

/** `hub keys init`, as a board's first boot runs it: the key file made once, private, never printed. */
describe('hub keys init', () => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'hub-keys-init-'));
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  async function init(config: string): Promise<{ code: number; out: string }> {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    try {
      return { code: await main(['--config', config, 'keys', 'init']), out: out.join('') };
    } finally {
      vi.restoreAllMocks();
    }
  }

  it('makes a private key file once and leaves it as it is after', async () => {
    const state = join(work, 'state');
    const config = join(work, 'hub.yaml');
    await writeFile(config, `store:\n  path: ${state}\n`);
    await chmod(config, 0o600);
    const first = await init(config);
    expect(first).toEqual({ code: 0, out: `keys made in ${state}\n` });
    const keyFile = join(state, 'keys.json');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(state)).mode & 0o777).toBe(0o700);
    const made = await readFile(keyFile);
    const second = await init(config);
    expect(second).toEqual({ code: 0, out: `keys already made in ${state}\n` });
    expect(await readFile(keyFile)).toEqual(made);
  });
});
