import { afterEach, expect, it } from 'vitest';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { SystemClock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import type { Eui64 } from '../../../hal/radio.js';
import { loadScenario, type Scenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { buildUpgradeImage, FirmwareImages, manufacturerImageHash, OtaRadioService, OtaServer, parseUpgradeImage } from '../../../src/firmware/index.js';
import { SecurityCredentials, seedCredentialsFromKeystore } from '../../../src/security/credentials.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { describeSamples, ESME_SAMPLE, PPMID_SAMPLE, readSample } from '../../helpers/firmware.js';
import { RTDS_KEYSTORE } from '../../helpers/rtds.js';
import { tempDir } from '../store/helpers.js';

/**
 * The OTA Upgrade cluster server on the real Radio (EZSP over ASH against the simulated NCP), and
 * the simulated Devices' own OTA clients (hal/sim/ota-client.ts) pulling from it: Image Notify,
 * Query Next Image, blocks at the Device's offset, WAIT_FOR_DATA inside a minimum block period, the
 * sleepy GSME between its sleeps, and a transfer the hub's restart interrupted going on.
 */
const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const PPMID = '00DB1234567890A4';
const ESME_HASH = '7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  sim: Simulator;
  store: Store;
  images: FirmwareImages;
  clock: SystemClock;
  /** The hub's OTA server on the radio; `restart` drops it and opens it again on the same store, as a hub restart does. */
  serve(options?: { minimumBlockPeriodMs?: (eui: Eui64) => number }): Promise<{ server: OtaServer; service: OtaRadioService; ended: string[] }>;
}

async function rig(tune?: (scenario: Scenario) => void): Promise<Rig> {
  const scenario = await loadScenario(undefined);
  tune?.(scenario);
  const clock = new SystemClock();
  const sim = new Simulator({ scenario, clock, ezspVersion: 13, seed: 1 });
  const [hostSide, ncpSide] = memoryTransportPair('ota-test');
  sim.serve(ncpSide);
  const radio = new EzspRadio({ link: new AshEndpoint({ role: 'host', transport: hostSide, clock }), clock, reconnectDelayMs: 50, commandTimeoutMs: 2000 });
  const store = await openStore({ path: await tempDir('hub-ota-radio-') });
  const services: OtaRadioService[] = [];
  cleanups.push(async () => {
    for (const service of services) service.stop();
    await radio.stop().catch(() => undefined);
    await sim.close();
    await store.close();
  });
  await radio.start();
  await radio.formNetwork({ channel: 15, panId: 0x1234 });
  const devices = [ESME, GSME, PPMID].map((eui64) => ({ eui64, linkKey: linkKeyFromInstallCode(scenario.devices.find((d) => d.eui64 === eui64)!.installCode) }));
  await radio.permitJoining(devices, 60);
  for (const { eui64 } of devices) expect(sim.join(eui64).joined).toBe(true);
  const images = await FirmwareImages.open(store, { clock });
  return {
    sim, store, images, clock,
    async serve(options = {}) {
      for (const service of services.splice(0)) service.stop();
      const server = await OtaServer.open({ store, images, clock, ...options });
      const ended: string[] = [];
      server.on('transferEnded', (event) => ended.push(event.outcome));
      const service = new OtaRadioService(radio, server);
      service.start();
      services.push(service);
      return { server, service, ended };
    },
  };
}

const until = async (what: () => boolean, ms = 30_000) => {
  for (const end = Date.now() + ms; !what(); ) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/** An unsigned image for a simulated Device's manufacturer and image type, its hardware in range. */
const imageFor = (imageType: number, size: number, fileVersion = 2) =>
  buildUpgradeImage({ manufacturerCode: 0x121d, imageType, fileVersion, stackVersion: 2, headerString: Buffer.alloc(32), hardwareVersions: { min: 0x1000, max: 0x1fff }, manufacturerImage: Buffer.alloc(size, 0x5a) });
const hashOf = (image: Buffer) => manufacturerImageHash(parseUpgradeImage(image, { signature: 'auto' })).toString('hex');

describeSamples('OTA Upgrade over the HAN, to the simulated Devices', () => {
  it("offers the ESME sample with Image Notify; the ESME's client pulls it block by block, ends it, and runs it when CS06 names it", async () => {
    const { sim, store, images, serve } = await rig();
    const credentials = await SecurityCredentials.open(store);
    await seedCredentialsFromKeystore(credentials, RTDS_KEYSTORE, []);
    await images.add(readSample(ESME_SAMPLE), { credentials });
    const { service, ended } = await serve();
    const client = sim.otaClient(ESME);
    const downloaded = new Promise<{ status: number; hash?: string }>((resolve) => client.once('downloaded', resolve));
    expect((await service.offer(ESME, ESME_HASH)).delivered).toBe(true);
    expect(await downloaded).toEqual({ status: 0, fileVersion: 0xacdcacdc, hash: ESME_HASH });
    await until(() => ended.length > 0 && client.status().state === 'downloaded');
    expect(ended).toEqual(['transferSucceeded']);
    expect(client.status()).toMatchObject({ blocks: Math.ceil(361 / 63), waits: 0, heldHash: ESME_HASH });
    expect(client.activate('00'.repeat(32))).toBe(false);
    expect(client.activate(ESME_HASH)).toBe(true);
    expect(client.installed.fileVersion).toBe(0xacdcacdc);
  }, 60_000);

  it('serves the PPMID sample (unsigned, SMETS1) to the PPMID, and tells a Device asking too soon WAIT_FOR_DATA', async () => {
    const { sim, images, serve } = await rig();
    const { entry } = await images.add(readSample(PPMID_SAMPLE), { credentials: { forEui: () => undefined } as never, requireSignature: false });
    const { service, ended } = await serve({ minimumBlockPeriodMs: () => 150 });
    const client = sim.otaClient(PPMID);
    const downloaded = new Promise<{ status: number; hash?: string }>((resolve) => client.once('downloaded', resolve));
    await service.offer(PPMID, entry.hash);
    expect(await downloaded).toMatchObject({ status: 0, hash: entry.hash });
    await until(() => ended.length > 0);
    expect(ended).toEqual(['transferSucceeded']);
    // Each block asked for straight after the one before fell inside the period: the Device waited as told.
    expect(client.status().waits).toBeGreaterThan(0);
    expect(client.status().blocks).toBe(Math.ceil(295 / 63));
  }, 60_000);

  it('a transfer the hub restarts in the middle of goes on from where the Device was, not from the start', async () => {
    const { sim, images, serve } = await rig();
    const image = imageFor(0x0000, 3000);
    const { entry } = await images.add(image, { credentials: { forEui: () => undefined } as never, requireSignature: false });
    const first = await serve();
    const client = sim.otaClient(ESME);
    await first.service.offer(ESME, entry.hash);
    await until(() => client.status().blocks >= 10);
    // The hub goes away: its OTA service stops answering; then a new one starts on the same store (the offer was on disk).
    first.service.stop();
    // The new hub comes up only once the Device has found the old one silent and asked again, so the
    // take-over always lands mid-transfer, however the timing of the stop falls against the blocks.
    await until(() => client.status().retries > 0, 30_000);
    const before = client.status().blocks;
    const second = await serve();
    expect(second.server.offered(ESME)).toBe(entry.hash);
    await until(() => client.status().state === 'downloaded', 60_000);
    expect(client.status()).toMatchObject({ heldHash: hashOf(image), blocks: Math.ceil(image.length / 63) });
    expect(client.status().retries).toBeGreaterThan(0);
    expect(before).toBeLessThan(Math.ceil(image.length / 63));
    expect(second.ended).toEqual(['transferSucceeded']);
  }, 90_000);

  it('the sleepy GSME asks for its image when it wakes and pulls it between its sleeps', async () => {
    const { sim, images, serve } = await rig((scenario) => {
      const gsme = scenario.devices.find((d) => d.eui64 === GSME)!;
      Object.assign(gsme, { wakeIntervalSeconds: 1, awakeSeconds: 0.3 });
    });
    const image = imageFor(0x0001, 200);
    const { entry } = await images.add(image, { credentials: { forEui: () => undefined } as never, requireSignature: false });
    // Longer than it stays awake: every block after the first comes on a later wake.
    const { server, ended } = await serve({ minimumBlockPeriodMs: (eui) => (eui === GSME ? 900 : 0) });
    await server.offer(GSME, entry.hash); // no Image Notify: the sleeping GSME would not hear it
    const client = sim.otaClient(GSME);
    client.configure({ queryOnWake: true });
    const device = sim.device(GSME);
    const wakesWithBlocks = new Set<number>();
    let wakes = 0;
    device.on('woke', () => (wakes += 1));
    client.on('changed', (status) => status.state === 'downloading' && wakesWithBlocks.add(wakes));
    await until(() => client.status().state === 'downloaded', 60_000);
    expect(client.status().heldHash).toBe(hashOf(image));
    expect(wakesWithBlocks.size).toBeGreaterThan(1);
    expect(ended).toEqual(['transferSucceeded']);
  }, 90_000);
});
