import { createHash, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withInstallCodeCrc } from '../../hal/install-code.js';
import { silentLogger } from '../../hal/log.js';
import type { Eui64 } from '../../hal/radio.js';
import { parseScenario } from '../../hal/sim/scenario.js';
import { Simulator } from '../../hal/sim/simulator.js';
import { memoryTransportPair, type MemoryTransport } from '../../hal/transport/memory.js';
import { DEFAULT_CONFIG, type HubConfig } from '../../src/config.js';
import { buildUpgradeImage, chunkImage, HubSlots, manufacturerImageHash, parseUpgradeImage, signUpgradeImage } from '../../src/firmware/index.js';
import { decodeMessage, encodeMessage, messageCodesFor } from '../../src/gbcs/index.js';
import { activateFirmwareAlert, activateFirmwareCommand, decodeAsn1, encodeAsn1, firmwareTransferAlert } from '../../src/gbcs/payload/asn1/views.js';
import { demoHeadEndDir, ensureDemoHeadEnd, type DemoHeadEnd } from '../../src/headend/demo-keys.js';
import { HeadEnd } from '../../src/headend/head-end.js';
import { encodeDeviceModelFrame } from '../../src/firmware/device-models.js';
import { HUB_EVENTS } from '../../src/logs/event-codes.js';
import { startHub, type Hub } from '../../src/compose.js';
import { describeSamples, ESME_SAMPLE, PPMID_SAMPLE, readSample } from '../helpers/firmware.js';
import { JumpClock } from '../helpers/jump-clock.js';
import { loadRtdsKeystore } from '../../src/security/rtds-secure-element.js';
import { loadVectors, RTDS_KEYSTORE, rtdsPresent } from '../helpers/rtds.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { RELAY_BROKER } from '../conformance/relay-rig.js';

/**
 * Firmware end to end, over MQTT (the mosquitto at 127.0.0.1:1883, topics of its own) and the
 * simulated HAN behind a whole hub: images published in chunks on the firmware topic, held, offered
 * and pulled block by block by the simulated ESME, PPMID and sleepy GSME (their OTA clients), each
 * transfer's CCS08 at the head end, CS06 relayed to a meter (which then runs the image it names) and
 * executed by the hub for its own image, future-dated across a hub restart on a fake Clock, and
 * cancelled; bad images refused with their CCS08 cause and nothing held.
 */
const CHF = '00DB1234567890A2';
const ESME = '00DB1234567890A0';
const GSME = '00DB1234567890A1';
const PPMID = '00DB1234567890A4';
const HW = { min: 0x1000, max: 0x1fff };
const CS06_CODE = 0x0012;
const [CCS08_CODE] = messageCodesFor('CCS08');

const scenario = () =>
  parseScenario(
    `network:
  eui64: ${CHF}
devices:
${[['esme', ESME, 'ESME', ''], ['gsme', GSME, 'GSME', '\n    sleepy: true\n    wakeIntervalSeconds: 1\n    awakeSeconds: 1'], ['ppmid', PPMID, 'PPMID', '']]
  .map(([name, eui, type, extra]) => `  - name: ${name}\n    eui64: ${eui}\n    type: ${type}\n    installCode: ${withInstallCodeCrc(randomBytes(16)).toString('hex').toUpperCase()}${extra}`)
  .join('\n')}
`,
    'firmware end-to-end scenario',
  );

interface Rig {
  dir: string;
  config: HubConfig;
  clock: JumpClock;
  sim: Simulator;
  headEnd: HeadEnd;
  parties: DemoHeadEnd;
  subscriber: Subscriber;
  hub: Hub;
  topics: { command: string; response: string; alert: string; relay: string; firmware: string; deviceModels: string };
}

let rig: Rig | undefined;

const signWith = (parties: DemoHeadEnd) => (data: Buffer) => sign('sha256', data, { key: parties.supplier.keys.digitalSigning, dsaEncoding: 'ieee-p1363' });
const hashOf = (image: Buffer) => manufacturerImageHash(parseUpgradeImage(image, { signature: 'auto' })).toString('hex');
const imageFor = (parties: DemoHeadEnd, imageType: number, fileVersion: number, size: number, hardwareVersions = HW) =>
  signUpgradeImage({ manufacturerCode: 0x121d, imageType, fileVersion, stackVersion: 2, headerString: Buffer.alloc(32), hardwareVersions, manufacturerImage: randomBytes(size) }, signWith(parties));

async function until(what: string, done: () => boolean, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !done(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function startRigHub(r: Omit<Rig, 'hub' | 'topics'>, transport: MemoryTransport): Promise<Hub> {
  return startHub({ config: r.config, logger: silentLogger, clock: r.clock, transport, demoHeadEnd: true });
}

async function open(): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-firmware-e2e-'));
  const storePath = join(dir, 'state');
  await mkdir(storePath, { recursive: true, mode: 0o700 });
  const parties = await ensureDemoHeadEnd(demoHeadEndDir(storePath));
  // The hub's own factory image, in slot A before it first starts.
  const slots = join(dir, 'slots');
  await new HubSlots(slots, () => undefined).initialise(await imageFor(parties, 0x0100, 0x0100, 4096));
  const unique = `fw-e2e-${randomBytes(4).toString('hex')}`;
  const config: HubConfig = {
    ...structuredClone(DEFAULT_CONFIG),
    store: { path: storePath },
    log: { level: 'warn' },
    wan: { ...DEFAULT_CONFIG.wan, broker: RELAY_BROKER, topicPrefix: `issue-15/${unique}`, clientId: `hub-${unique}` },
    firmware: {
      ...DEFAULT_CONFIG.firmware,
      quotaBytes: 1_200_000,
      slots,
      targets: {
        [CHF]: { manufacturerCode: 0x121d, imageType: 0x0100, hardwareVersion: 0x1111 },
        [ESME]: { manufacturerCode: 0x121d, imageType: 0x0000, hardwareVersion: 0x1111 },
        [GSME]: { manufacturerCode: 0x121d, imageType: 0x0001, hardwareVersion: 0x1111 },
        [PPMID]: { manufacturerCode: 0x121d, imageType: 0x0084, hardwareVersion: 0x1111, unsigned: true },
      },
    },
  };
  const clock = new JumpClock();
  const sim = new Simulator({ scenario: scenario(), clock });
  const [hostSide, ncpSide] = memoryTransportPair(unique);
  sim.serve(ncpSide);
  const hub = await startRigHub({ dir, config, clock, sim, parties } as Rig, hostSide);
  for (const spec of sim.scenario.devices) {
    await hub.deviceLog.add({ eui64: spec.eui64, deviceType: spec.type, installCode: spec.declaredInstallCode });
    await hub.joinWindows.open(spec.eui64, 60);
    const joined = sim.join(spec.eui64);
    if (!joined.joined) throw new Error(`${spec.name} could not join: ${joined.reason}`);
  }
  await hub.admission.settled();
  // The sleeping GSME never hears Image Notify: it asks whenever it wakes.
  sim.otaClient(GSME).configure({ queryOnWake: true });
  const base = `issue-15/${unique}/${CHF}`;
  const topics = { command: `${base}/command`, response: `${base}/response`, alert: `${base}/alert`, relay: `${base}/relay`, firmware: `${base}/firmware`, deviceModels: `${base}/deviceModels` };
  const subscriber = await Subscriber.connect(RELAY_BROKER, [topics.response, topics.alert, topics.relay], { clientId: `head-${unique}` });
  const headEnd = await HeadEnd.open(demoHeadEndDir(storePath));
  // The DCC samples are signed by the RTDS supplier: the hub trusts it beside the demo one.
  if (rtdsPresent) await hub.gbcs.credentials.install((await loadRtdsKeystore(RTDS_KEYSTORE)).trustStore.forEui('90B3D51F30010000', 'digitalSigning')!);
  return { dir, config, clock, sim, headEnd, parties, subscriber, hub, topics };
}

/** Publish an image for `target` in chunks, as the head end's CS05 does. */
async function publishImage(r: Rig, target: Eui64, image: Buffer, chunk = 4096): Promise<void> {
  for (const frame of chunkImage(target, image, createHash('sha256').update(image).digest('hex'), chunk)) await r.subscriber.publish(r.topics.firmware, frame, { qos: 1 });
}

/** The CCS08 alerts the head end has, decoded. */
function ccs08s(r: Rig): Array<{ entityId: string; responseCode: number; alertCode: number; firmwareVersion: string }> {
  return r.subscriber
    .on(r.topics.alert)
    .map((m) => decodeMessage(m.payload))
    .filter((m) => m.header.messageCode === CCS08_CODE)
    .map((m) => {
      const alert = decodeAsn1(firmwareTransferAlert, m.payload);
      return { entityId: alert.entityId, responseCode: alert.responseCode, alertCode: alert.alertCode, firmwareVersion: alert.firmwareVersion.toString('hex') };
    });
}

/** A CS06 for a meter, as the supplier sends it (the hub relays it untouched; the RTDS command carries everything but our hash). */
function relayedCs06(hash: string, recipient: Eui64, counter: bigint): Buffer {
  const vector = loadVectors().find((v) => v.name === 'CS06_11.3_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX')!;
  const message = decodeMessage(vector.bytes);
  const payload = encodeAsn1(activateFirmwareCommand, { manufacturerImageHash: Buffer.from(hash, 'hex'), originatorCounter: Number(counter) });
  return encodeMessage({ ...message, header: { ...message.header, recipient, originatorCounter: counter }, payload, signature: Buffer.alloc(64) });
}

/** The simulated meter acts on the CS06 the hub relayed to it: it runs the held image the command names. */
function meterActsOnCs06(r: Rig): void {
  r.sim.on('gbcsReceived', (eui64, message) => {
    const { header, payload } = decodeMessage(message.gbcs);
    if (header.messageCode !== CS06_CODE) return;
    r.sim.otaClient(eui64).activate(decodeAsn1(activateFirmwareCommand, payload).manufacturerImageHash.toString('hex'));
  });
}

describeSamples('firmware end to end: WAN, store, OTA to the simulated Devices, CS06', () => {
  beforeAll(async () => {
    rig = await open();
    meterActsOnCs06(rig);
  }, 120_000);
  afterAll(async () => {
    await rig?.subscriber.close();
    await rig?.hub.stop();
    await rig?.sim.close();
    if (rig) await rm(rig.dir, { recursive: true, force: true });
  });

  it('takes the ESME sample and a larger image over MQTT, the ESME pulls each block by block, CCS08 says so, and a relayed CS06 runs it', async () => {
    const r = rig!;
    const esme = r.sim.otaClient(ESME);
    const sample = readSample(ESME_SAMPLE);
    await publishImage(r, ESME, sample, 100);
    await until('the ESME to download the sample', () => esme.status().heldHash === hashOf(sample));
    await until('CCS08 success for the sample', () => ccs08s(r).some((a) => a.entityId === ESME && a.responseCode === 0 && a.firmwareVersion === 'acdcacdc'));

    const large = await imageFor(r.parties, 0x0000, 0x00000200, 200 * 1024);
    await publishImage(r, ESME, large);
    const blocksBefore = esme.status().blocks;
    await until('the ESME to download the large image', () => esme.status().heldHash === hashOf(large), 120_000);
    expect(esme.status().blocks - blocksBefore).toBe(Math.ceil(large.length / 63));
    await until('CCS08 success for the ESME', () => ccs08s(r).some((a) => a.entityId === ESME && a.responseCode === 0 && a.firmwareVersion === '00000200'));
    if (rtdsPresent) {
      await r.subscriber.publish(r.topics.command, relayedCs06(hashOf(large), ESME, 5000n), { qos: 1 });
      await until('the ESME to run the image', () => esme.installed.fileVersion === 0x200);
    }
  }, 240_000);

  it('serves an unsigned image to the PPMID (refusing the PPMID sample, whose Manufacturer Image the ESME\'s holds) and an image to the sleepy GSME between its polls', async () => {
    const r = rig!;
    // The DCC's PPMID sample carries the very Manufacturer Image of its ESME sample, held already under its hash for the
    // ESME: the hub holds one image per hash (what CS06 names), so it refuses this one (CCS08 image discarded) rather than
    // offer either Device the other's header. Alone, the sample goes to the PPMID: test/src/firmware/ota-radio.test.ts.
    const sample = readSample(PPMID_SAMPLE);
    expect(hashOf(sample)).toBe(hashOf(readSample(ESME_SAMPLE)));
    await publishImage(r, PPMID, sample, 100);
    await until('the PPMID sample refused', () => ccs08s(r).some((a) => a.entityId === PPMID && a.responseCode === 1));
    const ppmidImage = buildUpgradeImage({ manufacturerCode: 0x121d, imageType: 0x0084, fileVersion: 0x250, stackVersion: 2, headerString: Buffer.alloc(32), hardwareVersions: HW, manufacturerImage: randomBytes(700) });
    await publishImage(r, PPMID, ppmidImage, 100);
    await until('the PPMID to download its image', () => r.sim.otaClient(PPMID).status().heldHash === hashOf(ppmidImage));
    const gsmeImage = await imageFor(r.parties, 0x0001, 0x00000300, 2000);
    await publishImage(r, GSME, gsmeImage);
    const gsme = r.sim.otaClient(GSME);
    await until('the GSME to download its image', () => gsme.status().heldHash === hashOf(gsmeImage), 120_000);
    await until('CCS08 success for both', () => ccs08s(r).filter((a) => (a.entityId === PPMID || a.entityId === GSME) && a.responseCode === 0).length === 2);
    if (rtdsPresent) {
      await r.subscriber.publish(r.topics.command, relayedCs06(hashOf(ppmidImage), PPMID, 5001n), { qos: 1 });
      await until('the PPMID to run the image', () => r.sim.otaClient(PPMID).installed.fileVersion === 0x250);
    }
  }, 240_000);

  it('relays a CS06 to a meter only when the Device Model it leads to is on the operator\'s allowed list, pushed signed over MQTT', async () => {
    const r = rig!;
    if (!rtdsPresent) return;
    const esme = r.sim.otaClient(ESME);
    const next = await imageFor(r.parties, 0x0000, 0x00000500, 3000);
    await publishImage(r, ESME, next);
    await until('the ESME to download the next image', () => esme.status().heldHash === hashOf(next));
    const running = esme.installed.fileVersion;
    const model = (imageType: number, fileVersion: number) => ({ manufacturerCode: 0x121d, imageType, hardwareVersion: 0x1111, fileVersion });
    const others = [model(0x0100, 0x0100), model(0x0001, 1), model(0x0084, 1)];
    const push = async (sequence: number, esmeVersion: number) => {
      const frame = encodeDeviceModelFrame({ sequence, combinations: [[...others, model(0, esmeVersion)]], downgrades: [] }, (data) => sign('sha256', data, { key: r.parties.accessControlBroker.keys.digitalSigning, dsaEncoding: 'ieee-p1363' }));
      await r.subscriber.publish(r.topics.deviceModels, frame, { qos: 1, retain: true });
      await until('the list held', () => r.hub.firmware.models.list()?.sequence === sequence);
    };
    await push(1, running);
    await r.subscriber.publish(r.topics.command, relayedCs06(hashOf(next), ESME, 6000n), { qos: 1 });
    await r.subscriber.until((got) => got.some((m) => m.topic === r.topics.relay && JSON.parse(m.payload.toString()).status === 'NOT_ALLOWED'), 30_000);
    expect(esme.installed.fileVersion).toBe(running);
    expect((await r.hub.logs.securityLog.newest()).map((entry) => entry.code)).toContain(HUB_EVENTS.activationRefusedDeviceModel.code);
    await push(2, 0x500);
    await r.subscriber.publish(r.topics.command, relayedCs06(hashOf(next), ESME, 6001n), { qos: 1 });
    await until('the ESME to run the next image', () => esme.installed.fileVersion === 0x500);
  }, 240_000);

  it('refuses bad images with their CCS08 cause and holds nothing of them: hardware out of range, a flipped bit, the quota reached mid-transfer', async () => {
    const r = rig!;
    const held = () => r.hub.firmware.images.list().map((image) => image.hash).sort();
    const before = held();
    const seen = ccs08s(r).length;
    await publishImage(r, ESME, await imageFor(r.parties, 0x0000, 0x400, 1000, { min: 0x2000, max: 0x2fff }));
    await until('hardware version mismatch', () => ccs08s(r).slice(seen).some((a) => a.responseCode === 2));
    const flipped = await imageFor(r.parties, 0x0000, 0x401, 1000);
    flipped[500]! ^= 0x10;
    await publishImage(r, ESME, flipped);
    await until('image discarded', () => ccs08s(r).slice(seen).some((a) => a.responseCode === 1));
    if (rtdsPresent) {
      // Signed by a supplier the hub does not trust.
      const stranger = createPrivateKey(readFileSync(join(RTDS_KEYSTORE, '90b3d51f30030000-ds.key'), 'utf8'));
      const untrusted = await signUpgradeImage({ manufacturerCode: 0x121d, imageType: 0, fileVersion: 0x404, stackVersion: 2, headerString: Buffer.alloc(32), hardwareVersions: HW, manufacturerImage: randomBytes(900) }, (data) => sign('sha256', data, { key: stranger, dsaEncoding: 'ieee-p1363' }));
      const discarded = ccs08s(r).filter((a) => a.responseCode === 1).length;
      await publishImage(r, ESME, untrusted);
      await until('an untrusted signer discarded', () => ccs08s(r).filter((a) => a.responseCode === 1).length > discarded);
    }
    // Two large images at once: the first reserves its size, the second finds the quota reached part way through the first.
    const first = await imageFor(r.parties, 0x0000, 0x402, 500 * 1024);
    const second = await imageFor(r.parties, 0x0000, 0x403, 500 * 1024);
    const [firstFrames, secondFrames] = [first, second].map((image) => chunkImage(ESME, image, createHash('sha256').update(image).digest('hex'), 4096));
    for (const frame of firstFrames!.slice(0, 10)) await r.subscriber.publish(r.topics.firmware, frame, { qos: 1 });
    for (const frame of secondFrames!.slice(0, 3)) await r.subscriber.publish(r.topics.firmware, frame, { qos: 1 });
    await until('transfer failed: quota', () => ccs08s(r).slice(seen).some((a) => a.responseCode === 3));
    expect(held()).toEqual(before);
    for (const frame of firstFrames!.slice(10)) await r.subscriber.publish(r.topics.firmware, frame, { qos: 1 });
    await until('the first image held', () => r.hub.firmware.images.entry(hashOf(first)) !== undefined, 120_000);
    expect(r.hub.firmware.images.entry(hashOf(second))).toBeUndefined();
  }, 240_000);

  it("activates the hub's own image at a future time across a hub restart (fake Clock), and a cancelled one never runs", async () => {
    const r = rig!;
    const own = await imageFor(r.parties, 0x0100, 0x0200, 8192);
    await publishImage(r, CHF, own);
    await until('the hub to hold its image', () => r.hub.firmware.images.entry(hashOf(own)) !== undefined);
    const cs06 = async (at: Date) => {
      const payload = encodeAsn1(activateFirmwareCommand, { manufacturerImageHash: Buffer.from(hashOf(own), 'hex'), originatorCounter: 0, executionDateTime: at });
      const { bytes, header } = await r.headEnd.command({ device: 'CHF', messageCode: CS06_CODE, payload, sender: 'supplier', signed: true });
      await r.subscriber.publish(r.topics.command, bytes, { qos: 1 });
      await r.subscriber.until((got) => got.some((m) => m.topic === r.topics.response && decodeMessage(m.payload).header.originatorCounter === header.originatorCounter), 30_000);
      const response = r.subscriber.on(r.topics.response).map((m) => decodeMessage(m.payload)).find((m) => m.header.originatorCounter === header.originatorCounter)!;
      return response.payload.toString('hex');
    };
    const inAnHour = new Date(Math.ceil((r.clock.now() + 3_600_000) / 1000) * 1000);
    expect(await cs06(inAnHour)).toBe('0500');
    expect(await cs06(new Date(Date.UTC(9999, 11, 31, 23, 59, 59)))).toBe('0500');
    expect(await r.hub.ownFirmware.pending()).toBeUndefined();
    const inADay = new Date(Math.ceil((r.clock.now() + 86_400_000) / 1000) * 1000);
    expect(await cs06(inADay)).toBe('0500');

    // The hub restarts before the time comes; the activation is on disk and is armed again.
    await r.hub.stop();
    const [hostSide, ncpSide] = memoryTransportPair(`${r.config.wan.clientId!}-again`);
    r.sim.serve(ncpSide);
    r.hub = await startRigHub(r, hostSide);
    expect(await r.hub.ownFirmware.pending()).toMatchObject({ hash: hashOf(own), at: inADay.getTime() });
    if (r.hub.firmware.models.list()) {
      // An allowed list is held (an earlier test pushed one): it must hold the hub's new model beside what its Devices run.
      const devices = await Promise.all([ESME, GSME, PPMID].map((eui) => r.hub.firmware.models.runningOf(eui)));
      const combination = [{ manufacturerCode: 0x121d, imageType: 0x0100, hardwareVersion: 0x1111, fileVersion: 0x0200 }, ...devices.flatMap((d) => (d ? [d] : []))];
      const sequence = r.hub.firmware.models.list()!.sequence + 1;
      const frame = encodeDeviceModelFrame({ sequence, combinations: [combination], downgrades: [] }, (data) => sign('sha256', data, { key: r.parties.accessControlBroker.keys.digitalSigning, dsaEncoding: 'ieee-p1363' }));
      await r.subscriber.publish(r.topics.deviceModels, frame, { qos: 1, retain: true });
      await until('the list held', () => r.hub.firmware.models.list()?.sequence === sequence);
    }
    const restart = new Promise<{ version: Buffer }>((resolve) => r.hub.ownFirmware.once('restartNeeded', resolve));
    r.clock.jump(86_400_000 + 1000);
    const switched = await Promise.race([restart, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000))]);
    expect(switched?.version.toString('hex')).toBe('00000200');
    await r.subscriber.until((got) => got.some((m) => m.topic === r.topics.alert && decodeMessage(m.payload).header.messageCode === 0x00ca), 30_000);
    const alert = r.subscriber.on(r.topics.alert).map((m) => decodeMessage(m.payload)).find((m) => m.header.messageCode === 0x00ca)!;
    expect(decodeAsn1(activateFirmwareAlert, alert.payload)).toMatchObject({ alertCode: 0x8f66, outcome: { responseCode: 0 } });
    // One alert: the cancelled activation an hour in never ran.
    expect(r.subscriber.on(r.topics.alert).filter((m) => decodeMessage(m.payload).header.messageCode === 0x00ca)).toHaveLength(1);
    expect(await r.hub.ownImage!.slots.state()).toMatchObject({ active: 'b', trial: { from: 'a' } });
  }, 240_000);
});
