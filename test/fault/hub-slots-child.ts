import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom } from '../../hal/sim/random.js';
import { HubSlots, parseUpgradeImage, verifyUpgradeImage } from '../../src/firmware/index.js';
import { loadRtdsKeystore } from '../../src/security/rtds-secure-element.js';

/**
 * One life of a hub updating its own image (for test/fault/hub-slots-kill.test.ts). `recover`: what
 * a start does first, then say where it runs and exit. `work`: recover, then over and over check the
 * slot on trial (passing or failing it by the seed), stage the other image and activate it, until
 * the parent kills it. argv: mode, slot root, keystore, image paths..., seed.
 */
const [mode, root, keystore, seedText, ...imagePaths] = process.argv.slice(2) as [string, string, string, string, ...string[]];
const { trustStore } = await loadRtdsKeystore(keystore);
const slots = new HubSlots(root, (image) => void verifyUpgradeImage(parseUpgradeImage(image, { signature: 'required' }), trustStore));
const images = imagePaths.map((path) => readFileSync(path));
const random = new SeededRandom(Number(seedText));
const say = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const recovery = await slots.recover();
say({ event: 'recovered', recovery, state: await slots.state() });
if (mode === 'work') {
  for (;;) {
    const state = await slots.state();
    if (state.trial) say({ event: 'checked', result: await slots.confirm(!random.oneIn(4)) });
    const running = readFileSync(join(root, `slot-${(await slots.state()).active}`, 'image.bin'));
    const next = images.find((image) => !image.equals(running))!;
    await slots.stage(next);
    say({ event: 'staged' });
    await slots.activate();
    say({ event: 'activated' });
    say({ event: 'restart', recovery: await slots.recover() });
  }
}
