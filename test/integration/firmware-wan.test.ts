import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { silentLogger } from '../../hal/log.js';
import { DEFAULT_CONFIG, type HubConfig } from '../../src/config.js';
import { chunkImage } from '../../src/firmware/index.js';
import { decodeMessage, messageCodesFor } from '../../src/gbcs/index.js';
import { decodePayload, payloadToJson } from '../../src/gbcs/payload/index.js';
import { startHub } from '../../src/compose.js';
import { startSimProcess } from '../../src/sim-process.js';
import { describeSamples, ESME_SAMPLE, readSample } from '../helpers/firmware.js';
import { RTDS_KEYSTORE } from '../helpers/rtds.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { startTestBroker } from '../src/wan/test-broker.js';

/**
 * The composition root taking Upgrade Images from its WAN firmware topic: an image for a configured
 * Device is held under its Manufacturer Image hash; one whose header does not fit its Device is
 * discarded and reported upstream as a CCS08 naming the cause.
 */
const ESME_HASH = '7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36';
const ESME = '00DB1234567890A0';
const OLD_ESME = '00DB1234567890B0';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describeSamples('hub receiving firmware over the WAN', () => {
  it('holds the ESME sample sent for a Device it fits, and raises CCS08 (hardware version mismatch) for one it does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-firmware-wan-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const broker = await startTestBroker();
    cleanups.push(() => broker.dispose());
    const sim = await startSimProcess({ args: ['--log-level', 'error'] });
    cleanups.push(() => sim.stop());
    const config: HubConfig = {
      ...structuredClone(DEFAULT_CONFIG),
      store: { path: join(dir, 'state') },
      wan: { ...DEFAULT_CONFIG.wan, broker: broker.url },
      security: { keystore: RTDS_KEYSTORE },
      firmware: {
        ...DEFAULT_CONFIG.firmware,
        targets: {
          [ESME]: { manufacturerCode: 0x121d, imageType: 0, hardwareVersion: 0x1200 },
          [OLD_ESME]: { manufacturerCode: 0x121d, imageType: 0, hardwareVersion: 0x1000 },
        },
      },
    };
    const hub = await startHub({ config, logger: silentLogger, radioAddress: sim.radio });
    cleanups.push(() => hub.stop());
    const topics = hub.wan!.link.topics;
    const head = await Subscriber.connect(broker.url, [topics.alert]);
    cleanups.push(() => head.close());

    const image = readSample(ESME_SAMPLE);
    const hash = createHash('sha256').update(image).digest('hex');
    for (const frame of chunkImage(ESME, image, hash, 64)) await head.publish(topics.firmware, frame);
    await expect.poll(() => hub.firmware.images.entry(ESME_HASH)?.signer, { timeout: 15_000 }).toBe('90B3D51F30010000');

    for (const frame of chunkImage(OLD_ESME, image, hash, 64)) await head.publish(topics.firmware, frame);
    const [alert] = await head.until((received) => received.length > 0, 20_000);
    const message = decodeMessage(alert!.payload);
    expect(message.header.messageCode).toBe(messageCodesFor('CCS08')[0]);
    expect(message.header.originator).toBe(hub.network.localEui64);
    const payload = JSON.stringify(payloadToJson(decodePayload({ messageCode: message.header.messageCode, cra: message.header.cra, payload: message.payload }).view?.value));
    expect(payload).toContain(OLD_ESME);
    expect(JSON.parse(payload)).toMatchObject({ alertCode: 0x8f89, responseCode: 2 });
    expect(hub.firmware.images.list().map((held) => held.hash)).toEqual([ESME_HASH]);
  }, 60_000);
});
