import { spawn } from 'node:child_process';
import { createPrivateKey, createHash, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { SeededRandom } from '../../hal/sim/random.js';
import { FirmwareImages, manufacturerImageHash, parseUpgradeImage, signUpgradeImage, verifyUpgradeImage } from '../../src/firmware/index.js';
import { SystemClock } from '../../hal/clock.js';
import { SecurityCredentials, seedCredentialsFromKeystore } from '../../src/security/credentials.js';
import { openStore } from '../../src/store/index.js';
import { PowerCutDisk, powerCutUnavailable } from '../helpers/power-cut/power-cut.js';
import { itNeeds } from '../helpers/prerequisites.js';
import { describeRtds, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { tempDir } from '../src/store/helpers.js';

/**
 * An Upgrade Image arriving in chunks survives a power cut at any moment: a child
 * (firmware-receive-child.ts) stores chunks in a seeded order, the test kills it with SIGKILL at
 * seeded moments and drops every write it had not synced (test/helpers/power-cut), then starts it
 * again. After each restart every chunk the child had reported stored is still in, LevelDB opened
 * without damage, and in the end the image is held whole, verifying with the supplier's key.
 * FIRMWARE_KILL_SEED reruns a failing schedule.
 */
const CHILD = fileURLToPath(new URL('./firmware-receive-child.ts', import.meta.url));
const KILLS = 30;
const SEED = Number(process.env['FIRMWARE_KILL_SEED'] ?? 20_261_207);
const IMAGE_OCTETS = 192 * 1024;
const CHUNK_OCTETS = 1536;

interface Life {
  ready: { ranges: Array<[number, number]>; held: string[]; recoveryProblems: number };
  stored: number[];
  done: boolean;
}

/** Runs one child; kills it `killAfterStored` chunks after it is ready (never, when undefined). */
function live(args: string[], killAfterStoredOrMs: { stored?: number; ms?: number }, env: NodeJS.ProcessEnv): Promise<Life> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const life: Life = { ready: { ranges: [], held: [], recoveryProblems: 0 }, stored: [], done: false };
    let errors = '';
    child.stderr.on('data', (chunk) => (errors += String(chunk)));
    const kill = () => child.kill('SIGKILL');
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as { event?: string; stored?: number; ranges?: Array<[number, number]>; held?: string[]; recoveryProblems?: number };
      if (line.event === 'ready') {
        life.ready = { ranges: line.ranges!, held: line.held!, recoveryProblems: line.recoveryProblems! };
        if (killAfterStoredOrMs.ms !== undefined) setTimeout(kill, killAfterStoredOrMs.ms);
        if (killAfterStoredOrMs.stored === 0) kill();
      }
      if (line.stored !== undefined) {
        life.stored.push(line.stored);
        if (life.stored.length === killAfterStoredOrMs.stored) kill();
      }
      if (line.event === 'done') life.done = true;
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' || code === 0) resolve(life);
      else reject(new Error(`child exited ${code}: ${errors}`));
    });
  });
}

describeRtds('receiving an image through power cuts at any moment', () => {
  itNeeds(powerCutUnavailable())(`keeps every stored chunk across at least ${KILLS} power cuts and holds the whole image in the end`, async () => {
    const dir = await tempDir('hub-firmware-kill-');
    try {
      const disk = await PowerCutDisk.create(dir, 'db');
      const storePath = disk.live;
      const seeding = await openStore({ path: storePath });
      await seedCredentialsFromKeystore(await SecurityCredentials.open(seeding), RTDS_KEYSTORE, []);
      await seeding.close();
      // Written here without the library: on the disk before the first cut.
      await disk.settle();
      const key = createPrivateKey(readFileSync(join(RTDS_KEYSTORE, '90b3d51f30010000-ds.key'), 'utf8'));
      const random = new SeededRandom(SEED);
      const bundle = Buffer.alloc(IMAGE_OCTETS - 126);
      for (let i = 0; i < bundle.length; i++) bundle[i] = random.below(256);
      const image = await signUpgradeImage({ manufacturerCode: 0x121d, imageType: 0, fileVersion: 7, stackVersion: 2, headerString: Buffer.alloc(32), hardwareVersions: { min: 0x1000, max: 0x1300 }, manufacturerImage: bundle }, (data) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
      const imagePath = join(dir, 'image.bin');
      writeFileSync(imagePath, image);
      const chunks = Math.ceil(image.length / CHUNK_OCTETS);
      const acknowledged = new Set<number>();
      const coveredBy = (ranges: Array<[number, number]>, index: number) => ranges.some(([start, end]) => start <= index * CHUNK_OCTETS && Math.min((index + 1) * CHUNK_OCTETS, image.length) <= end);

      // Killed until the image is held: most kills land while chunks are written, some as the child
      // starts or resumes, and the last ones around the moment the image is checked and kept.
      let kills = 0;
      let held = false;
      for (let life = 0; !held && life < 4 * chunks; life++) {
        const moment = random.oneIn(6) ? { ms: random.below(30) } : { stored: 1 + random.below(3) };
        const result = await live([storePath, imagePath, String(CHUNK_OCTETS), String(SEED + life)], moment, disk.env);
        // The power goes with the kill: what was not synced is gone.
        if (!result.done) await disk.cut();
        expect(result.ready.recoveryProblems).toBe(0);
        if (result.ready.held.length === 0) {
          for (const index of acknowledged) expect(coveredBy(result.ready.ranges, index), `chunk ${index} after kill ${kills}`).toBe(true);
        } else expect(result.ready.ranges).toEqual([]);
        for (const index of result.stored) acknowledged.add(index);
        held = result.done || result.ready.held.length > 0;
        if (!result.done) kills++;
      }
      expect(held).toBe(true);
      expect(kills).toBeGreaterThanOrEqual(KILLS);

      const store = await openStore({ path: storePath });
      try {
        const images = await FirmwareImages.open(store, { clock: new SystemClock() });
        const hash = manufacturerImageHash(parseUpgradeImage(image)).toString('hex');
        expect(images.list().map((held) => held.hash)).toEqual([hash]);
        const held = await images.get(hash);
        expect(createHash('sha256').update(held!.bytes).digest('hex')).toBe(createHash('sha256').update(image).digest('hex'));
        expect(verifyUpgradeImage(held!, await SecurityCredentials.open(store)).eui).toBe('90B3D51F30010000');
      } finally {
        await store.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
