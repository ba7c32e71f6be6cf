import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, diffieHellman } from 'node:crypto';
import { copyFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, vi } from 'vitest';
import { silentLogger } from '../../hal/log.js';
import { install, PATHS } from '../../flash/install.js';
import { main } from '../../src/cli.js';
import { DEFAULT_CONFIG, type HubConfig } from '../../src/config.js';
import { chunkImage } from '../../src/firmware/index.js';
import { decodeMessage, GbcsAuthenticator, messageCodesFor } from '../../src/gbcs/index.js';
import { activateFirmwareCommand, activateFirmwareResponse, decodeAsn1, encodeAsn1, firmwareTransferAlert } from '../../src/gbcs/payload/asn1/index.js';
import { FileSecureElement } from '../../src/security/file-secure-element.js';
import { loadRtdsKeystore } from '../../src/security/rtds-secure-element.js';
import type { SecureElement } from '../../src/security/secure-element.js';
import { startHub, type Hub } from '../../src/compose.js';
import { startSimProcess } from '../../src/sim-process.js';
import type { OwnUpdateResult } from '../../src/update/index.js';
import { describeRtds, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { itNeeds } from '../helpers/prerequisites.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { mosquittoMissing, startTestBroker } from '../src/wan/test-broker.js';
import { scratchRoot, signedImage, smallBundle, SUPPLIER_KEY } from '../flash/scratch-root.js';

/**
 * A hub update end to end in a scratch root filesystem that flash/install laid out: a new bundle
 * packed by `hub firmware pack`, sent over MQTT to the hub's firmware topic, held, written to slot B
 * with its bundle unpacked — and not switched to, as receiving an image only stores it (GBCS CS05) —
 * then activated by a CS06 signed by the supplier, its own `hub selftest` run from slot B, and kept;
 * and a bundle whose selftest fails, after which slot A runs again and the failure is in the Event Log;
 * and a bundle that does not match its manifest, refused as it arrives.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHF = '00DB123456789000';
const SUPPLIER = '90B3D51F30010000';
const CS06 = 0x0012;
const CCS08 = messageCodesFor('CCS08')[0]!;
const TARGET = { manufacturerCode: 0x121d, imageType: 0x0100, hardwareVersion: 0x0001 };
/** A bundle whose bin/hub is this checkout's real hub: its selftest really runs (native modules, LevelDB, crypto, the simulator, slot B). */
const REAL_HUB = `#!/bin/sh\nexec "${process.execPath}" --import "${import.meta.resolve('tsx')}" "${join(REPO, 'src', 'cli.ts')}" "$@"\n`;
/** One built for another CPU: its addons do not load. */
const WRONG_CPU = '#!/bin/sh\necho "FAIL  native  not loaded: classic-level, @serialport/bindings-cpp"\nexit 1\n';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function packed(dir: string, bundle: Buffer, version: string): Promise<Buffer> {
  const bundleFile = join(dir, `bundle-${version}.tar.gz`);
  writeFileSync(bundleFile, bundle);
  const key = join(dir, 'supplier.key');
  if (!existsSync(key)) {
    copyFileSync(SUPPLIER_KEY, key);
    chmodSync(key, 0o600);
  }
  const out = join(dir, `hub-${version}.img`);
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    const code = await main(['firmware', 'pack', bundleFile, '-o', out, '--key', key, '--manufacturer', '0x121D', '--image-type', '0x0100', '--file-version', version]);
    expect(code).toBe(0);
  } finally {
    vi.restoreAllMocks();
  }
  return readFileSync(out);
}

interface Rig {
  dir: string;
  slots: string;
  config: HubConfig;
  radio: string;
  broker: string;
  hub: Hub;
}

/** flash/install's scratch root with slot A running the factory bundle, a broker, the simulator, and a hub on the slots. */
async function rig(): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-own-update-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const root = await scratchRoot();
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  writeFileSync(join(dir, 'v1.img'), await signedImage(await smallBundle('0.1.0', REAL_HUB), 0x00000100));
  await install({ image: join(dir, 'v1.img'), rootfs: root, board: 'rpi4b', keystore: RTDS_KEYSTORE });
  const slots = join(root, PATHS.slots);

  const broker = await startTestBroker();
  cleanups.push(() => broker.dispose());
  const sim = await startSimProcess({ args: ['--log-level', 'error'] });
  cleanups.push(() => sim.stop());
  const config: HubConfig = {
    ...structuredClone(DEFAULT_CONFIG),
    store: { path: join(dir, 'state') },
    wan: { ...DEFAULT_CONFIG.wan, broker: broker.url, topicPrefix: 'issue-18' },
    security: { keystore: RTDS_KEYSTORE },
    firmware: { ...DEFAULT_CONFIG.firmware, slots, targets: { [CHF]: TARGET } },
  };
  const hub = await startRigHub(config, sim.radio);
  expect(hub.network.localEui64).toBe(CHF);
  return { dir, slots, config, radio: sim.radio, broker: broker.url, hub };
}

async function startRigHub(config: HubConfig, radioAddress: string): Promise<Hub> {
  const hub = await startHub({ config, logger: silentLogger, radioAddress });
  cleanups.push(() => hub.stop());
  return hub;
}

/** `hub firmware pack` of a bundle, sent over MQTT, held and staged: slot B written, slot A still active. */
async function receive(r: Rig, newHub: string): Promise<{ image: Buffer; hash: string }> {
  const staged = new Promise((resolve) => r.hub.ownUpdates!.once('staged', resolve));
  const image = await packed(r.dir, await smallBundle('0.2.0', newHub), '0x00000200');
  const head = await Subscriber.connect(r.broker, [r.hub.wan!.link.topics.alert]);
  cleanups.push(() => head.close());
  for (const frame of chunkImage(CHF, image, createHash('sha256').update(image).digest('hex'), 16 * 1024)) await head.publish(r.hub.wan!.link.topics.firmware, frame);
  expect(await staged).toMatchObject({ slot: 'b', fileVersion: 0x200 });
  const held = r.hub.firmware.images.list().find((entry) => entry.fileVersion === 0x200)!;
  return { image, hash: held.hash };
}

/** A CS06 to the CHF for `hash`, now, signed by the RTDS supplier whose keys the keystore holds; its response's outcome. */
async function activate(r: Rig, hash: string): Promise<unknown> {
  const { secureElement, trustStore } = await loadRtdsKeystore(RTDS_KEYSTORE);
  // The CHF's key agreement key is the hub's own (made on first start, not in the keystore): the
  // supplier agrees its MAC key with the public half, as a head end holding the hub's certificate would.
  const hubKey = await (await FileSecureElement.open({ stateDir: r.config.store.path })).publicKey(CHF, 'keyAgreement');
  // A command's MAC is the Access Control Broker's, agreed with the key the keystore holds for the ACB's certificate.
  const partyKeys = readdirSync(RTDS_KEYSTORE).filter((name) => name.endsWith('ka.key')).map((name) => createPrivateKey(readFileSync(join(RTDS_KEYSTORE, name))));
  const supplierSide: SecureElement = Object.assign(Object.create(secureElement) as SecureElement, {
    ecdh: async (_owner: string, peer: Buffer) => {
      const privateKey = partyKeys.find((key) => createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(peer))!;
      return diffieHellman({ privateKey, publicKey: createPublicKey({ key: hubKey, format: 'der', type: 'spki' }) });
    },
  });
  const supplier = new GbcsAuthenticator({ secureElement: supplierSide, credentials: trustStore });
  const topics = r.hub.wan!.link.topics;
  const head = await Subscriber.connect(r.broker, [topics.response]);
  cleanups.push(() => head.close());
  const header = { cra: 'command' as const, originatorCounter: BigInt(Date.now()) * 1000n, originator: SUPPLIER, recipient: CHF, messageCode: CS06 };
  const payload = encodeAsn1(activateFirmwareCommand, { manufacturerImageHash: Buffer.from(hash, 'hex'), originatorCounter: 0 });
  const signature = await supplier.sign({ header, payload });
  await head.publish(topics.command, await supplier.seal({ header, payload, signature }));
  const answered = (got: Array<{ payload: Buffer }>) => got.find((m) => decodeMessage(m.payload).header.originatorCounter === header.originatorCounter);
  await head.until((got) => answered(got) !== undefined, 170_000);
  return decodeAsn1(activateFirmwareResponse, decodeMessage(answered(head.on(topics.response))!.payload).payload);
}

async function logsAndState(r: Rig): Promise<{ state: unknown; events: number[]; security: number[] }> {
  return {
    state: JSON.parse(readFileSync(join(r.slots, 'state.json'), 'utf8')),
    events: (await r.hub.logs.eventLog.newest(5)).map((entry) => entry.code),
    security: (await r.hub.logs.securityLog.newest(5)).map((entry) => entry.code),
  };
}

describeRtds('the hub updating itself', () => {
  itNeeds(mosquittoMissing())('writes a new bundle sent over MQTT to slot B, switches only on CS06, runs its selftest there, and keeps it', async () => {
    const r = await rig();
    const { hash } = await receive(r, REAL_HUB);
    // Received and staged, not activated: slot A runs, slot B holds the new bundle.
    expect(JSON.parse(readFileSync(join(r.slots, 'state.json'), 'utf8'))).toEqual({ active: 'a' });
    expect(JSON.parse(readFileSync(join(r.slots, 'slot-b', 'bundle', 'app', 'package.json'), 'utf8'))).toMatchObject({ version: '0.2.0' });
    expect(await r.hub.ownFirmware.runningFileVersion()).toBe(0x100);

    const applied = new Promise<OwnUpdateResult>((resolve) => r.hub.ownUpdates!.once('applied', resolve));
    const restart = new Promise((resolve) => r.hub.ownFirmware.once('restartNeeded', resolve));
    expect(await activate(r, hash)).toMatchObject({ responseCode: 0, firmwareVersion: Buffer.from('00000200', 'hex') });
    const result = await applied;
    await restart;
    expect(result.selftest.map((line) => line.split(/\s+/).slice(0, 2).join(' ')), result.selftest.join('\n')).toEqual(['PASS native', 'PASS store', 'PASS crypto', 'PASS radio', 'PASS join', 'PASS slots']);
    expect(result.selftest[5]).toContain('slot B runs version 0x00000200, on trial from slot A');
    expect(result).toMatchObject({ outcome: 'kept', slot: 'b', fileVersion: 0x200 });
    const { state, security } = await logsAndState(r);
    expect(state).toEqual({ active: 'b' });
    expect(JSON.parse(readFileSync(join(r.slots, 'slot-b', 'bundle', 'app', 'package.json'), 'utf8'))).toMatchObject({ version: '0.2.0' });
    expect(security).toContain(0x8f43);
  }, 240_000);

  itNeeds(mosquittoMissing())('leaves a staged image alone across a restart, then goes back to slot A when its bundle fails the selftest CS06 runs, and says so in the Event Log', async () => {
    const r = await rig();
    const { hash } = await receive(r, WRONG_CPU);
    // Staged, never activated: a restart still runs slot A and keeps slot B's image for a later CS06.
    await r.hub.stop();
    r.hub = await startRigHub(r.config, r.radio);
    expect(r.hub.ownImage?.recovery).toBe('running');
    expect(JSON.parse(readFileSync(join(r.slots, 'state.json'), 'utf8'))).toEqual({ active: 'a' });
    expect(await r.hub.ownFirmware.runningFileVersion()).toBe(0x100);
    expect(await r.hub.ownImage!.slots.complete('b')).toBeDefined();

    const applied = new Promise<OwnUpdateResult>((resolve) => r.hub.ownUpdates!.once('applied', resolve));
    // Activation failure (3), and the version that runs is still slot A's.
    expect(await activate(r, hash)).toMatchObject({ responseCode: 3, firmwareVersion: Buffer.from('00000100', 'hex') });
    const result = await applied;
    expect(result).toMatchObject({ outcome: 'rolledBack', slot: 'a', selftest: ['FAIL  native  not loaded: classic-level, @serialport/bindings-cpp'] });
    const { state, events } = await logsAndState(r);
    expect(state).toEqual({ active: 'a' });
    expect(events).toContain(0x8f67);
  }, 240_000);

  itNeeds(mosquittoMissing())('refuses on arrival an image whose bundle does not match its manifest: dropped, slot B empty, a CCS08 and an Event Log entry', async () => {
    const r = await rig();
    // A bundle whose manifest names a hash its bin/hub does not have.
    const dir = await mkdtemp(join(tmpdir(), 'hub-bad-bundle-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'hub'), WRONG_CPU, { mode: 0o755 });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ name: 'gb-comms-hub', version: '0.2.0', files: [{ path: 'bin/hub', sha256: '0'.repeat(64), size: WRONG_CPU.length, mode: '0755' }] }));
    expect(spawnSync('tar', ['-czf', join(r.dir, 'bad.tar.gz'), '-C', dir, '.']).status).toBe(0);
    const image = await packed(r.dir, readFileSync(join(r.dir, 'bad.tar.gz')), '0x00000200');
    const refused = new Promise((resolve) => r.hub.ownUpdates!.once('refused', resolve));
    const head = await Subscriber.connect(r.broker, [r.hub.wan!.link.topics.alert]);
    cleanups.push(() => head.close());
    for (const frame of chunkImage(CHF, image, createHash('sha256').update(image).digest('hex'), 16 * 1024)) await head.publish(r.hub.wan!.link.topics.firmware, frame);
    expect(await refused).toMatchObject({ target: CHF, outcome: 'imageDiscarded' });
    await head.until((got) => got.some((m) => decodeMessage(m.payload).header.messageCode === CCS08), 60_000);
    const alert = head.on(r.hub.wan!.link.topics.alert).map((m) => decodeMessage(m.payload)).find((m) => m.header.messageCode === CCS08)!;
    expect(decodeAsn1(firmwareTransferAlert, alert.payload)).toMatchObject({ alertCode: 0x8f89, firmwareVersion: Buffer.from('00000200', 'hex') });
    expect(r.hub.firmware.images.list().map((entry) => entry.fileVersion)).not.toContain(0x200);
    const { state, events } = await logsAndState(r);
    expect(state).toEqual({ active: 'a' });
    expect(existsSync(join(r.slots, 'slot-b'))).toBe(false);
    expect(events).toContain(0x8f89);
  }, 240_000);
});
