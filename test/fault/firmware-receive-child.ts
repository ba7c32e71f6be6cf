import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { SystemClock } from '../../hal/clock.js';
import { SeededRandom } from '../../hal/sim/random.js';
import { chunkImage, FirmwareImages, ImageReceiver } from '../../src/firmware/index.js';
import { SecurityCredentials } from '../../src/security/credentials.js';
import { openStore } from '../../src/store/index.js';

/**
 * One life of a hub receiving an Upgrade Image (for test/fault/firmware-kill.test.ts): opens the
 * store, says what it finds (the transfer's ranges, the images held, LevelDB's recovery), then feeds
 * the chunks not yet in, in a seeded order with repeats, printing each index once it is stored,
 * until the parent kills it or the image is held.
 * argv: store path, image file, chunk octets, seed.
 */
export const TARGET = '00DB1234567890A0';
export const TARGET_DEVICE = { manufacturerCode: 0x121d, imageType: 0, hardwareVersion: 0x1200 };

const [storePath, imagePath, chunkText, seedText] = process.argv.slice(2) as [string, string, string, string];
const chunkOctets = Number(chunkText);
const image = readFileSync(imagePath);
const frames = chunkImage(TARGET, image, createHash('sha256').update(image).digest('hex'), chunkOctets);
const say = (line: object): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const clock = new SystemClock();
const store = await openStore({ path: storePath });
const credentials = await SecurityCredentials.open(store);
const images = await FirmwareImages.open(store, { clock });
const receiver = await ImageReceiver.open({ store, images, clock, credentials, targetOf: (eui) => (eui === TARGET ? TARGET_DEVICE : undefined) });
await receiver.resume();
const progress = receiver.progress()[0];
say({ event: 'ready', ranges: progress?.ranges ?? [], held: images.list().map((held) => held.hash), recoveryProblems: store.recoveryProblems.length });

const random = new SeededRandom(Number(seedText));
const covered = (index: number): boolean => (progress?.ranges ?? []).some(([start, end]) => start <= index * chunkOctets && Math.min((index + 1) * chunkOctets, image.length) <= end);
const todo = frames.map((_, index) => index).filter((index) => !covered(index));
for (let i = todo.length - 1; i > 0; i--) {
  const j = random.below(i + 1);
  [todo[i], todo[j]] = [todo[j]!, todo[i]!];
}
if (images.list().length === 0) {
  for (const index of todo) {
    const result = await receiver.receive(frames[index]!);
    say({ stored: index, result });
    // Now and then the same chunk again, as a broker redelivers after a lost PUBACK.
    if (random.oneIn(8)) say({ stored: index, result: await receiver.receive(frames[index]!) });
  }
}
say({ event: 'done', held: images.list().map((held) => held.hash) });
await store.close();
