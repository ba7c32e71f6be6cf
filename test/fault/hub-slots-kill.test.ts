import { execFile, spawn } from 'node:child_process';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { SeededRandom } from '../../hal/sim/random.js';
import { HubSlots, parseUpgradeImage, signUpgradeImage, verifyUpgradeImage } from '../../src/firmware/index.js';
import { loadRtdsKeystore } from '../../src/security/rtds-secure-element.js';
import { PowerCutDisk, powerCutUnavailable } from '../helpers/power-cut/power-cut.js';
import { itNeeds } from '../helpers/prerequisites.js';
import { describeRtds, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { tempDir } from '../src/store/helpers.js';

/**
 * Power cut during the hub's own update: a child stages, activates, restarts into and checks new
 * images in its A/B slots, over and over, and is killed with SIGKILL at seeded moments, every write
 * it had not synced dropped (test/helpers/power-cut). After each cut a start (`recover`) must leave the hub running from a slot whose image verifies, and the other
 * slot holding either a whole image that verifies or nothing. The tree is checked here from the
 * files, not through the code under test. HUB_SLOTS_SEED reruns a failing schedule.
 */
const CHILD = fileURLToPath(new URL('./hub-slots-child.ts', import.meta.url));
const KILLS = 30;
const SEED = Number(process.env['HUB_SLOTS_SEED'] ?? 20_261_208);
const IMAGE_OCTETS = 512 * 1024;
const run = promisify(execFile);

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Runs a `work` child and kills it `afterMs` after it has recovered. */
function workThenKill(args: string[], afterMs: number, env: NodeJS.ProcessEnv): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, 'work', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const events: string[] = [];
    let errors = '';
    child.stderr.on('data', (chunk) => (errors += String(chunk)));
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as { event: string };
      events.push(line.event);
      if (line.event === 'recovered') setTimeout(() => child.kill('SIGKILL'), afterMs);
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(events) : reject(new Error(`child ended without the kill: ${errors}`))));
  });
}

describeRtds('the hub updating its own image through power cuts at any moment', () => {
  itNeeds(powerCutUnavailable())(`always starts from a slot that verifies, the other whole or empty, across ${KILLS} power cuts`, async () => {
    const dir = await tempDir('hub-slots-kill-');
    try {
      const disk = await PowerCutDisk.create(dir, 'disk');
      const { trustStore } = await loadRtdsKeystore(RTDS_KEYSTORE);
      const verifies = (image: Buffer) => verifyUpgradeImage(parseUpgradeImage(image, { signature: 'required' }), trustStore).eui === '90B3D51F30010000';
      const key = createPrivateKey(readFileSync(join(RTDS_KEYSTORE, '90b3d51f30010000-ds.key'), 'utf8'));
      const random = new SeededRandom(SEED);
      const paths: string[] = [];
      for (const version of [1, 2]) {
        const bundle = Buffer.alloc(IMAGE_OCTETS);
        for (let i = 0; i < bundle.length; i += 4) bundle.writeUInt32LE(random.below(2 ** 32), i);
        const image = await signUpgradeImage({ manufacturerCode: 0x121d, imageType: 0x0100, fileVersion: version, stackVersion: 2, headerString: Buffer.alloc(32), manufacturerImage: bundle }, (data) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
        paths.push(join(dir, `v${version}.bin`));
        writeFileSync(paths.at(-1)!, image);
      }
      const root = join(disk.live, 'slots');
      await new HubSlots(root, (image) => void verifies(image)).initialise(readFileSync(paths[0]!));
      await disk.settle();
      const args = [root, RTDS_KEYSTORE, String(SEED)];

      const seen = new Set<string>();
      for (let kill = 0; kill < KILLS; kill++) {
        const events = await workThenKill([...args.slice(0, 2), String(SEED + kill), ...paths], random.below(400), disk.env);
        seen.add(events.at(-1)!);
        // The power goes with the kill: what was not synced is gone. The next start then recovers.
        await disk.cut();
        const { stdout } = await run(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, 'recover', ...args, ...paths], { env: disk.env });
        await disk.settle();
        const state = JSON.parse(readFileSync(join(root, 'state.json'), 'utf8')) as { active: 'a' | 'b'; trial?: { from: string; started: boolean } };
        expect(JSON.parse(stdout.trim()).state, `after kill ${kill}`).toEqual(state);
        const running = readFileSync(join(root, `slot-${state.active}`, 'image.bin'));
        const manifest = JSON.parse(readFileSync(join(root, `slot-${state.active}`, 'manifest.json'), 'utf8')) as { hash: string };
        expect(manifest.hash, `running slot after kill ${kill}`).toBe(sha256(running));
        expect(verifies(running)).toBe(true);
        const spare = join(root, `slot-${state.active === 'a' ? 'b' : 'a'}`);
        if (existsSync(join(spare, 'manifest.json'))) {
          const image = readFileSync(join(spare, 'image.bin'));
          expect(JSON.parse(readFileSync(join(spare, 'manifest.json'), 'utf8')).hash, `spare slot after kill ${kill}`).toBe(sha256(image));
          expect(verifies(image)).toBe(true);
        } else expect(existsSync(spare), `spare slot after kill ${kill} is neither whole nor cleared`).toBe(false);
      }
      // The kills landed at different steps of the update, not all in one.
      expect(seen.size).toBeGreaterThanOrEqual(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
