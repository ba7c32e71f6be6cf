import { randomBytes } from 'node:crypto';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { jsonCodec, openStore, sequenceKey, type Domain } from '../../../src/store/index.js';
import { filesUnder, storeRejection, tempDir } from './helpers.js';

/**
 * Damage LevelDB itself does not report: bytes changed inside a table file (it verifies block
 * checksums on reads only when asked, and classic-level never asks) and a write-ahead log cut at a
 * record boundary (which reads as a clean end). The store must never hand back changed data, must
 * say when acknowledged writes are missing, and `hub store check` must change nothing on disk.
 */
interface Entry {
  n: number;
  token: string;
}
const entries = { name: 'credentials', codec: jsonCodec<Entry>() };

afterEach(() => vi.restoreAllMocks());

async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (err.push(String(chunk)), true));
  try {
    return { code: await main(args), out: out.join(''), err: err.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

async function onlyFile(dir: string, pattern: RegExp): Promise<string> {
  const names = (await readdir(dir)).filter((name) => pattern.test(name));
  expect(names, `one file matching ${pattern} in ${dir}`).toHaveLength(1);
  return join(dir, names[0]!);
}

describe('bytes changed in a table file', () => {
  it('are never read back as data: each changed value is refused, named by check (changing nothing) and dropped by repair', async () => {
    const path = join(await tempDir('hub-flips-'), 'db');
    await FileSecureElement.open({ stateDir: path });
    const written: Entry[] = Array.from({ length: 60 }, (_, n) => ({ n, token: randomBytes(300).toString('base64') }));
    let store = await openStore({ path });
    let domain = await store.domain(entries);
    for (const entry of written) await domain.put(sequenceKey(entry.n), entry);
    await store.close();
    // Reopening turns the write-ahead log into a table file.
    await (await openStore({ path })).close();

    // Long random tokens leave too little to compress, so LevelDB stores the blocks as they are: change one character of every sixth.
    const table = await onlyFile(path, /\.ldb$/);
    const bytes = await readFile(table);
    const changed = written.filter((entry) => entry.n % 6 === 0);
    for (const entry of changed) {
      const at = bytes.indexOf(entry.token);
      expect(at, `token ${entry.n} in the table`).toBeGreaterThan(0);
      bytes[at + 10] = bytes[at + 10] === 0x41 ? 0x42 : 0x41;
    }
    await writeFile(table, bytes);

    store = await openStore({ path });
    domain = await store.domain(entries);
    for (const entry of written) {
      if (changed.includes(entry)) expect((await storeRejection(domain.get(sequenceKey(entry.n)))).code).toBe('STORE_CORRUPT');
      else expect(await domain.get(sequenceKey(entry.n))).toEqual(entry);
    }
    await store.close();

    const before = await filesUnder(path);
    const check = await runCli(['store', 'check', '--store', path]);
    expect(check.code).toBe(2);
    expect(check.err).toMatch(new RegExp(`${changed.length} record\\(s\\) in credentials no longer open`));
    expect(await filesUnder(path)).toEqual(before);

    const repair = await runCli(['store', 'repair', path, '--drop-unreadable']);
    expect(repair.code).toBe(0);
    expect(repair.out).toMatch(new RegExp(`dropped ${changed.length} damaged record\\(s\\) from credentials`));
    store = await openStore({ path });
    domain = await store.domain(entries);
    for (const entry of written) expect(await domain.get(sequenceKey(entry.n))).toEqual(changed.includes(entry) ? undefined : entry);
    expect(store.recoveryProblems.join('\n')).toMatch(/dropped 10 damaged record/);
    await store.close();
  });
});

/** Offsets just past each record of a LevelDB log file (7-byte headers: checksum, length, type; 32 KiB blocks). */
function recordEnds(log: Buffer): number[] {
  const ends: number[] = [];
  const BLOCK = 32 * 1024;
  for (let at = 0; at + 7 <= log.length; ) {
    const left = BLOCK - (at % BLOCK);
    if (left < 7) {
      at += left;
      continue;
    }
    const length = log.readUInt16LE(at + 4);
    if (length === 0 && log[at + 6] === 0) break;
    at += 7 + length;
    ends.push(at);
  }
  return ends;
}

describe('a write-ahead log cut at a record boundary', () => {
  it('is reported as acknowledged writes missing, by the store at open and by check, which changes nothing', async () => {
    const path = join(await tempDir('hub-cut-log-'), 'db');
    const store = await openStore({ path });
    const domain = await store.domain(entries);
    for (let n = 0; n < 10; n++) await domain.put(sequenceKey(n), { n, token: `add ${n}` });
    await store.close();

    // Each acknowledged put is one record; cut the last seven away, as a lost tail would.
    const log = await onlyFile(path, /\.log$/);
    const ends = recordEnds(await readFile(log));
    await truncate(log, ends[ends.length - 8]!);

    const before = await filesUnder(path);
    const check = await runCli(['store', 'check', '--store', path]);
    expect(check.code).toBe(2);
    expect(check.err).toMatch(/STORE_RECOVERED_WITH_LOSS/);
    expect(check.err).toMatch(/7 acknowledged write\(s\) are missing/);
    expect(await filesUnder(path)).toEqual(before);

    const reopened = await openStore({ path });
    expect(await (await reopened.domain(entries)).count()).toBe(3);
    expect(reopened.recoveryProblems.join('\n')).toMatch(/7 acknowledged write\(s\) are missing/);
    await reopened.close();
    // The loss stays on record until acknowledged, and is not counted twice.
    const again = await openStore({ path });
    expect(again.recoveryProblems).toHaveLength(1);
    await again.acknowledgeRecoveryProblems();
    await again.close();
    expect((await runCli(['store', 'check', '--store', path])).code).toBe(0);
  });

});

describe('a store written before values carried checksums', () => {
  it('opens with every value as it was, checked from then on', async () => {
    const path = join(await tempDir('hub-old-format-'), 'db');
    const raw = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await raw.sublevel<string, string>('meta', { valueEncoding: 'utf8' }).put('domain/credentials', JSON.stringify({ personal: false, hashKeys: false }));
    await raw.sublevel<string, string>('credentials', { valueEncoding: 'utf8' }).put('a', JSON.stringify({ n: 1, token: 'old' }));
    await raw.close();

    const store = await openStore({ path });
    const domain = await store.domain(entries);
    expect(await domain.get('a')).toEqual({ n: 1, token: 'old' });
    await domain.put('b', { n: 2, token: 'new' });
    await store.close();
    const again = await openStore({ path });
    expect(await collectValues(await again.domain(entries))).toEqual([{ n: 1, token: 'old' }, { n: 2, token: 'new' }]);
    expect(again.recoveryProblems).toEqual([]);
    await again.close();
  });
});

async function collectValues(domain: Domain<Entry>): Promise<Entry[]> {
  const values: Entry[] = [];
  for await (const [, value] of domain.entries()) values.push(value);
  return values;
}
