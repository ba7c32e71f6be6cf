import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../hal/log.js';
import { DEFAULT_CONFIG, type HubConfig } from '../../src/config.js';
import { demoHeadEndDir } from '../../src/headend/demo-keys.js';
import { startHub } from '../../src/compose.js';
import { startSimProcess } from '../../src/sim-process.js';
import { RTDS_KEYSTORE } from '../helpers/rtds.js';

/** Only `hub start`'s demo trusts the demo head end: a configured keystore, or any other caller, never makes or reads its keys. */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function startWith(security: HubConfig['security'], demoHeadEnd: boolean): Promise<{ storePath: string; trustsAcb: boolean }> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-headend-trust-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const sim = await startSimProcess({ args: ['--log-level', 'error'] });
  cleanups.push(() => sim.stop());
  const config: HubConfig = { ...structuredClone(DEFAULT_CONFIG), store: { path: join(dir, 'state') }, security };
  const hub = await startHub({ config, logger: silentLogger, radioAddress: sim.radio, demoHeadEnd });
  cleanups.push(() => hub.stop());
  return { storePath: config.store.path, trustsAcb: hub.gbcs.credentials.forRole('accessControlBroker', 'keyAgreement').some((c) => c.eui === '00DB00000000AC00') };
}

describe('who trusts the demo head end', () => {
  it('a hub with a keystore does not, even when started as the demo', async () => {
    const { storePath, trustsAcb } = await startWith({ keystore: RTDS_KEYSTORE }, true);
    expect(trustsAcb).toBe(false);
    expect(existsSync(demoHeadEndDir(storePath))).toBe(false);
  }, 45_000);

  it('a hub with no keystore started by anything but `hub start` does not either', async () => {
    const { storePath, trustsAcb } = await startWith({}, false);
    expect(trustsAcb).toBe(false);
    expect(existsSync(demoHeadEndDir(storePath))).toBe(false);
  }, 45_000);
});
