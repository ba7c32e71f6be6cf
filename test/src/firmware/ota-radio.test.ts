import { afterEach, expect, it } from 'vitest';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { ManualClock, SystemClock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { decodeZclFrame, encodeZclFrame } from '../../../hal/zcl/index.js';
import { decodeOtaCommand, encodeOtaCommand, FirmwareImages, OTA_COMMANDS, OTA_STATUS, OtaRadioService, OtaServer, type OtaCommandName, type OtaFields } from '../../../src/firmware/index.js';
import { SecurityCredentials, seedCredentialsFromKeystore } from '../../../src/security/credentials.js';
import { openStore } from '../../../src/store/index.js';
import { describeSamples, ESME_SAMPLE, readSample } from '../../helpers/firmware.js';
import { RTDS_KEYSTORE } from '../../helpers/rtds.js';
import { tempDir } from '../store/helpers.js';

/**
 * The OTA Upgrade cluster server on the real Radio (EZSP over ASH against the simulated NCP): the
 * hub offers the ESME sample with Image Notify, and the simulated ESME pulls it block by block over
 * the air, as its OTA client would, until Upgrade End.
 */
const ESME = '00DB1234567890A0';
const ESME_HASH = '7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36';
const OTA = { profileId: 0x0109, clusterId: 0x0019, sourceEndpoint: 1, destinationEndpoint: 1 };
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describeSamples('OTA Upgrade over the HAN', () => {
  it('offers an image with Image Notify and serves it to the simulated ESME block by block over the radio', async () => {
    const scenario = await loadScenario(undefined);
    const radioClock = new SystemClock();
    const sim = new Simulator({ scenario, clock: radioClock, ezspVersion: 13, seed: 1 });
    const [hostSide, ncpSide] = memoryTransportPair('ota-test');
    sim.serve(ncpSide);
    const radio = new EzspRadio({ link: new AshEndpoint({ role: 'host', transport: hostSide, clock: radioClock }), clock: radioClock, reconnectDelayMs: 50, commandTimeoutMs: 2000 });
    const store = await openStore({ path: await tempDir('hub-ota-radio-') });
    cleanups.push(async () => {
      await radio.stop().catch(() => undefined);
      await sim.close();
      await store.close();
    });
    await radio.start();
    await radio.formNetwork({ channel: 15, panId: 0x1234 });
    await radio.permitJoining([{ eui64: ESME, linkKey: linkKeyFromInstallCode(scenario.devices.find((d) => d.eui64 === ESME)!.installCode) }], 60);
    expect(sim.join(ESME).joined).toBe(true);

    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const credentials = await SecurityCredentials.open(store);
    await seedCredentialsFromKeystore(credentials, RTDS_KEYSTORE, []);
    const images = await FirmwareImages.open(store, { clock });
    await images.add(readSample(ESME_SAMPLE), { credentials });
    const server = await OtaServer.open({ store, images, clock });
    const ended: string[] = [];
    server.on('transferEnded', (event) => ended.push(event.outcome));
    const service = new OtaRadioService(radio, server);
    service.start();
    cleanups.push(async () => service.stop());

    let seen = 0;
    const next = async (): Promise<{ commandId: number; sequence: number; payload: Buffer }> => {
      for (let i = 0; i < 300 && sim.received(ESME).length === seen; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const received = sim.received(ESME)[seen++]!;
      expect(received).toMatchObject({ profileId: 0x0109, clusterId: 0x0019 });
      const { header, payload } = decodeZclFrame(received.payload);
      expect(header).toMatchObject({ frameType: 'cluster', direction: 'serverToClient' });
      return { commandId: header.commandId, sequence: header.sequence, payload };
    };
    let sequence = 0;
    const ask = async (name: OtaCommandName, fields: OtaFields, reply: OtaCommandName): Promise<OtaFields> => {
      sequence++;
      sim.send(ESME, [encodeZclFrame({ header: { frameType: 'cluster', direction: 'clientToServer', disableDefaultResponse: false, sequence, commandId: OTA_COMMANDS[name].id }, payload: encodeOtaCommand(name, fields) })], OTA);
      const answer = await next();
      expect(answer).toMatchObject({ commandId: OTA_COMMANDS[reply].id, sequence });
      return decodeOtaCommand(reply, answer.payload);
    };

    expect((await service.offer(ESME, ESME_HASH)).delivered).toBe(true);
    const notify = await next();
    expect(notify.commandId).toBe(OTA_COMMANDS.imageNotify.id);
    expect(decodeOtaCommand('imageNotify', notify.payload)).toMatchObject({ manufacturerCode: 0x121d, fileVersion: 0xacdcacdc });

    const query = await ask('queryNextImageRequest', { fieldControl: 1, manufacturerCode: 0x121d, imageType: 0, fileVersion: 1, hardwareVersion: 0x1200 }, 'queryNextImageResponse');
    expect(query).toMatchObject({ status: OTA_STATUS.success, imageSize: 361 });
    const parts: Buffer[] = [];
    for (let offset = 0; offset < 361; ) {
      const block = await ask('imageBlockRequest', { fieldControl: 0, manufacturerCode: 0x121d, imageType: 0, fileVersion: 0xacdcacdc, fileOffset: offset, maximumDataSize: 50 }, 'imageBlockResponse');
      expect(block).toMatchObject({ status: OTA_STATUS.success, fileOffset: offset });
      parts.push(block['data'] as Buffer);
      offset += (block['data'] as Buffer).length;
    }
    expect(Buffer.concat(parts).equals(readSample(ESME_SAMPLE))).toBe(true);
    expect(await ask('upgradeEndRequest', { status: 0, manufacturerCode: 0x121d, imageType: 0, fileVersion: 0xacdcacdc }, 'upgradeEndResponse')).toMatchObject({ upgradeTime: 0 });
    expect(ended).toEqual(['transferSucceeded']);
  }, 60_000);
});
