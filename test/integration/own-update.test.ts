import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
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
import { startHub } from '../../src/compose.js';
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
 * with its bundle unpacked, activated, its own `hub selftest` run from slot B, and kept; and a bundle
 * whose selftest fails, after which slot A runs again and the failure is in the Event Log.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHF = '00DB123456789000';
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

async function updateOnce(newHub: string): Promise<{ result: OwnUpdateResult; state: unknown; events: number[]; security: number[]; slots: string }> {
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
  const hub = await startHub({ config, logger: silentLogger, radioAddress: sim.radio });
  cleanups.push(() => hub.stop());
  expect(hub.network.localEui64).toBe(CHF);
  const applied = new Promise<OwnUpdateResult>((resolve) => hub.ownUpdates!.once('applied', resolve));

  const image = await packed(dir, await smallBundle('0.2.0', newHub), '0x00000200');
  const head = await Subscriber.connect(broker.url, [hub.wan!.link.topics.alert]);
  cleanups.push(() => head.close());
  for (const frame of chunkImage(CHF, image, createHash('sha256').update(image).digest('hex'), 16 * 1024)) await head.publish(hub.wan!.link.topics.firmware, frame);
  const result = await applied;
  return {
    result,
    state: JSON.parse(readFileSync(join(slots, 'state.json'), 'utf8')),
    events: (await hub.logs.eventLog.newest(5)).map((entry) => entry.code),
    security: (await hub.logs.securityLog.newest(5)).map((entry) => entry.code),
    slots,
  };
}

describeRtds('the hub updating itself', () => {
  itNeeds(mosquittoMissing())('writes a new bundle sent over MQTT to slot B, runs its selftest there, and keeps it', async () => {
    const { result, state, security, slots } = await updateOnce(REAL_HUB);
    expect(result.selftest.map((line) => line.split(/\s+/).slice(0, 2).join(' ')), result.selftest.join('\n')).toEqual(['PASS native', 'PASS store', 'PASS crypto', 'PASS radio', 'PASS join', 'PASS slots']);
    expect(result.selftest[5]).toContain('slot B runs version 0x00000200, on trial from slot A');
    expect(result).toMatchObject({ outcome: 'kept', slot: 'b', fileVersion: 0x200 });
    expect(state).toEqual({ active: 'b' });
    expect(JSON.parse(readFileSync(join(slots, 'slot-b', 'bundle', 'app', 'package.json'), 'utf8'))).toMatchObject({ version: '0.2.0' });
    expect(security).toContain(0x8f43);
  }, 180_000);

  itNeeds(mosquittoMissing())('goes back to slot A when the new bundle fails its selftest, and says so in the Event Log', async () => {
    const { result, state, events } = await updateOnce(WRONG_CPU);
    expect(result).toMatchObject({ outcome: 'rolledBack', slot: 'a', selftest: ['FAIL  native  not loaded: classic-level, @serialport/bindings-cpp'] });
    expect(state).toEqual({ active: 'a' });
    expect(events).toContain(0x8f67);
  }, 180_000);
});
