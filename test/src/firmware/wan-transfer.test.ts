import { createHash } from 'node:crypto';
import mqtt from 'mqtt';
import { afterEach, expect } from 'vitest';
import { chunkImage, startHubFirmware, type HubFirmware, type ImageTarget } from '../../../src/firmware/index.js';
import { SecurityCredentials, seedCredentialsFromKeystore } from '../../../src/security/credentials.js';
import { describeSamples, ESME_SAMPLE, readSample } from '../../helpers/firmware.js';
import { RTDS_KEYSTORE } from '../../helpers/rtds.js';
import { LinkRig } from '../wan/rig.js';
import { mosquittoMissing, startTestBroker, type TestBroker } from '../wan/test-broker.js';
import { itNeeds } from '../../helpers/prerequisites.js';
import { silentLogger } from '../../../hal/log.js';

const ESME_EUI = '00DB1234567890A0';
const ESME: ImageTarget = { manufacturerCode: 0x121d, imageType: 0x0000, hardwareVersion: 0x1200 };
const ESME_HASH = '7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeSamples('Upgrade Images over the WAN firmware topic', () => {
  // The broker must keep the hub's session across its own restart: mosquitto with persistence.
  itNeeds(mosquittoMissing())('arrive in chunks across a hub restart and a broker restart, with the progress in telemetry, and are held once whole', async () => {
    const broker: TestBroker = await startTestBroker();
    cleanups.push(() => broker.dispose());
    let firmware: HubFirmware | undefined;
    const hub = await LinkRig.create({ broker: broker.url }, { health: () => ({ firmware: { transfers: firmware?.receiver.progress() ?? [] } }) });
    cleanups.push(() => hub.dispose());
    const start = async () => {
      const credentials = await SecurityCredentials.open(hub.temp.store);
      firmware = await startHubFirmware({ store: hub.temp.store, clock: hub.clock, logger: silentLogger, credentials, targetOf: (eui) => (eui === ESME_EUI ? ESME : undefined) });
      hub.link.on('firmwareChunk', (frame, hold) => hold(firmware!.accept(frame)));
      await firmware.resume();
      const connected = hub.next('connected');
      await hub.link.start();
      await connected;
    };
    await seedCredentialsFromKeystore(await SecurityCredentials.open(hub.temp.store), RTDS_KEYSTORE, []);
    await start();

    const image = readSample(ESME_SAMPLE);
    const frames = chunkImage(ESME_EUI, image, createHash('sha256').update(image).digest('hex'), 40);
    const headEnd = await mqtt.connectAsync(broker.url, { clientId: `head-end-${process.pid}-${Date.now()}` });
    cleanups.push(() => headEnd.endAsync());
    const send = async (from: number, to: number) => {
      for (const frame of frames.slice(from, to)) await headEnd.publishAsync(hub.link.topics.firmware, frame, { qos: 1 });
    };
    const received = () => firmware?.receiver.progress()[0]?.receivedOctets ?? 0;

    await send(0, 4);
    await until(() => received() === 160, 'the first four chunks');
    const telemetry = await hub.link.telemetry();
    expect(telemetry.firmware.transfers).toMatchObject([{ target: ESME_EUI, totalSize: 361, receivedOctets: 160 }]);

    // The hub restarts; chunks sent meanwhile wait at the broker in its persistent session.
    await hub.restart();
    await send(4, 7);
    await start();
    await until(() => received() === 280, 'the chunks sent while the hub was away');

    // The broker restarts; the hub reconnects and the rest comes in.
    await broker.stop();
    await broker.start();
    await hub.next('connected', 20_000);
    await send(7, frames.length);
    // The image is held first and its transfer record dropped after, so wait for both.
    await until(() => firmware!.images.entry(ESME_HASH) !== undefined && firmware!.receiver.progress().length === 0, 'the image to be held and its transfer done');
    expect(firmware!.images.entry(ESME_HASH)).toMatchObject({ size: 361, signer: '90B3D51F30010000' });
    expect(firmware!.receiver.progress()).toEqual([]);
    expect((await hub.link.telemetry()).firmware.transfers).toEqual([]);
  });

  itNeeds(mosquittoMissing())('acknowledges a chunk to the broker only once it is on disk: one whose write failed comes again, one stored does not', async () => {
    const broker: TestBroker = await startTestBroker();
    cleanups.push(() => broker.dispose());
    const hub = await LinkRig.create({ broker: broker.url });
    cleanups.push(() => hub.dispose());
    await seedCredentialsFromKeystore(await SecurityCredentials.open(hub.temp.store), RTDS_KEYSTORE, []);
    const credentials = await SecurityCredentials.open(hub.temp.store);
    const firmware = await startHubFirmware({ store: hub.temp.store, clock: hub.clock, logger: silentLogger, credentials, targetOf: (eui) => (eui === ESME_EUI ? ESME : undefined) });
    const image = readSample(ESME_SAMPLE);
    const frames = chunkImage(ESME_EUI, image, createHash('sha256').update(image).digest('hex'), 40);
    const deliveries = new Map<number, number>();
    hub.link.on('firmwareChunk', (frame, hold) => {
      const index = frames.findIndex((sent) => sent.equals(frame));
      deliveries.set(index, (deliveries.get(index) ?? 0) + 1);
      // The first delivery of chunk 1 is not stored (as when the disk refuses the write): no PUBACK for it.
      hold(index === 1 && deliveries.get(index) === 1 ? Promise.reject(new Error('the store refused the write')) : firmware.accept(frame));
    });
    const connected = hub.next('connected');
    await hub.link.start();
    await connected;
    const headEnd = await mqtt.connectAsync(broker.url, { clientId: `head-end-acks-${process.pid}-${Date.now()}` });
    cleanups.push(() => headEnd.endAsync());
    for (const frame of frames.slice(0, 3)) await headEnd.publishAsync(hub.link.topics.firmware, frame, { qos: 1 });
    await until(() => (firmware.receiver.progress()[0]?.receivedOctets ?? 0) === 80 && deliveries.size === 3, 'chunks 0 and 2 stored');

    // On the next connection the broker delivers what the hub never acknowledged, and only that.
    const again = hub.next('connected');
    hub.link.reconnect('test: reconnecting to see what the broker delivers again');
    await again;
    await until(() => deliveries.get(1) === 2 && firmware.receiver.progress()[0]?.receivedOctets === 120, 'chunk 1 delivered again and stored');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([...deliveries.entries()].sort()).toEqual([[0, 1], [1, 2], [2, 1]]);
  });
});
