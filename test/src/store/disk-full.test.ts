import { missing as prerequisiteMissing } from '../../helpers/prerequisites.js';
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OriginatorCounters, ReplayError } from '../../../src/security/replay.js';
import { jsonCodec, openStore, StoreError, type Store } from '../../../src/store/index.js';
import { tempDir } from './helpers.js';

/**
 * A full disk: the store on a small tmpfs of its own, filled by its own writes and a ballast file.
 * After the first failed write no write is acknowledged (LevelDB would append after the torn
 * record, where its next open drops them); once space returns, writes are taken again; and after a
 * reopen every acknowledged change is there and every accepted counter is still refused as a replay.
 * Mounting needs root: under CI a missing mount fails the test, elsewhere it is skipped.
 */
const MOUNT_BYTES = 768 * 1024;
const BALLAST_BYTES = 192 * 1024;
const PARTY = '90B3D51F30000002';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function smallDisk(): Promise<string | undefined> {
  const dir = join(await tempDir('hub-disk-full-'), 'mnt');
  await mkdir(dir);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${MOUNT_BYTES}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    if (process.env['CI'] === 'true') throw new Error(`cannot mount a small tmpfs for the disk-full test (needs root): ${mounted.stderr}`);
    return undefined;
  }
  cleanups.push(async () => spawnSync('umount', [dir]));
  return dir;
}

describe('a full disk', () => {
  it('stops acknowledging at the first failed write, takes writes again once space returns, and loses nothing acknowledged', async (context) => {
    const disk = await smallDisk();
    if (!disk) return prerequisiteMissing(context, 'cannot mount a small tmpfs for the disk-full test (mounting needs root)');
    const ballast = join(disk, 'ballast');
    await writeFile(ballast, Buffer.alloc(BALLAST_BYTES, 1));
    const path = join(disk, 'db');
    let store: Store = await openStore({ path });
    let things = await store.domain({ name: 'things', codec: jsonCodec<string>() });
    let counters = await OriginatorCounters.open(store);
    const acknowledged = new Map<string, string>();
    let counter = 0n;
    let acknowledgedCounter = 0n;
    let firstFailure: unknown;
    let failedWrites = 0;
    for (let i = 0; failedWrites < 40 && i < 5000; i++) {
      const key = `k${i}`;
      const value = `${i}:${'v'.repeat(900)}`;
      try {
        await things.put(key, value);
        await counters.accept(PARTY, ++counter);
        expect(firstFailure, `a write acknowledged after the store failed one (${key})`).toBeUndefined();
        acknowledged.set(key, value);
        acknowledgedCounter = counter;
      } catch (error) {
        expect(error).toBeInstanceOf(StoreError);
        firstFailure ??= error;
        failedWrites++;
      }
    }
    expect(firstFailure, 'the disk filled up').toBeDefined();
    expect((firstFailure as StoreError).message).toMatch(/no space left on device/i);
    expect(store.writeFailure?.code).toBe('STORE_WRITE_FAILED');

    // Space returns. Writes are refused until the store has been verified again (a write tries that
    // at most every 2 s), then taken: each acknowledged one must survive the reopen below.
    await rm(ballast);
    const refusedAfterSpace: string[] = [];
    let taken = 0;
    for (let i = 0; taken < 20 && i < 400; i++) {
      const key = `after${i}`;
      try {
        await things.put(key, `after ${i}`);
        await counters.accept(PARTY, ++counter);
        acknowledged.set(key, `after ${i}`);
        acknowledgedCounter = counter;
        taken++;
      } catch (error) {
        expect(error).toBeInstanceOf(StoreError);
        refusedAfterSpace.push((error as StoreError).code);
        counter = counters.lastAccepted(PARTY) ?? 0n;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    expect(taken, 'writes taken again once space returned').toBe(20);
    expect(store.writeFailure).toBeUndefined();
    await store.close();

    store = await openStore({ path });
    cleanups.push(() => store.close());
    things = await store.domain({ name: 'things', codec: jsonCodec<string>() });
    counters = await OriginatorCounters.open(store);
    const missing: string[] = [];
    for (const [key, value] of acknowledged) if ((await things.get(key)) !== value) missing.push(key);
    expect(missing, 'acknowledged writes lost').toEqual([]);
    expect(counters.lastAccepted(PARTY)).toBeGreaterThanOrEqual(acknowledgedCounter);
    expect(() => counters.check(PARTY, acknowledgedCounter)).toThrow(ReplayError);
  }, 120_000);
});
