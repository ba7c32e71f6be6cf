import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { silentLogger } from '../../hal/log.js';
import { DEFAULT_CONFIG, type HubConfig } from '../../src/config.js';
import { HubSlots, parseUpgradeImage, signUpgradeImage, verifyUpgradeImage } from '../../src/firmware/index.js';
import { startHub } from '../../src/compose.js';
import { loadRtdsKeystore } from '../../src/security/rtds-secure-element.js';
import { startSimProcess } from '../../src/sim-process.js';
import { describeRtds, RTDS_KEYSTORE } from '../helpers/rtds.js';

/**
 * The hub starting on its own A/B slots: a start on a newly activated slot confirms it once the hub
 * is up (no WAN configured: deliberately absent), recording the change of executing firmware; a
 * start that finds the previous trial start never finished goes back to the other slot and says so
 * in the Event Log.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describeRtds('the hub on its own image slots', () => {
  it('confirms a new slot once up, and goes back from a trial whose start never finished', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-firmware-slots-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { trustStore } = await loadRtdsKeystore(RTDS_KEYSTORE);
    const key = createPrivateKey(readFileSync(join(RTDS_KEYSTORE, '90b3d51f30010000-ds.key'), 'utf8'));
    const [v1, v2] = await Promise.all([1, 2].map((version) => signUpgradeImage({ manufacturerCode: 0x121d, imageType: 0x0100, fileVersion: version, stackVersion: 2, headerString: Buffer.alloc(32), manufacturerImage: Buffer.alloc(4096, version) }, (data) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }))));
    const root = join(dir, 'slots');
    const slots = new HubSlots(root, (image) => void verifyUpgradeImage(parseUpgradeImage(image, { signature: 'required' }), trustStore));
    await slots.initialise(v1!);
    await slots.stage(v2!);
    await slots.activate();

    const sim = await startSimProcess({ args: ['--log-level', 'error'] });
    cleanups.push(() => sim.stop());
    const config: HubConfig = { ...structuredClone(DEFAULT_CONFIG), store: { path: join(dir, 'state') }, security: { keystore: RTDS_KEYSTORE }, firmware: { ...DEFAULT_CONFIG.firmware, slots: root } };
    let hub = await startHub({ config, logger: silentLogger, radioAddress: sim.radio });
    expect(hub.ownImage?.recovery).toBe('onTrial');
    expect(await slots.state()).toEqual({ active: 'b' });
    expect((await hub.logs.securityLog.newest(5)).map((entry) => entry.code)).toContain(0x8f43);
    await hub.stop();

    // v1 goes back in and is activated; a start begins its trial and dies before its check.
    await slots.stage(v1!);
    await slots.activate();
    expect(await slots.recover()).toBe('onTrial');
    hub = await startHub({ config, logger: silentLogger, radioAddress: sim.radio });
    cleanups.push(() => hub.stop());
    expect(hub.ownImage?.recovery).toBe('rolledBack');
    expect(await slots.state()).toEqual({ active: 'b' });
    expect((await hub.logs.eventLog.newest(5)).map((entry) => entry.code)).toContain(0x8f67);
  }, 90_000);
});
