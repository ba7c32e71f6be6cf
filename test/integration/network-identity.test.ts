import { SystemClock } from '../../hal/clock.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withInstallCodeCrc } from '../../hal/install-code.js';
import { silentLogger } from '../../hal/log.js';
import type { ApsAddress, IncomingMessage } from '../../hal/radio.js';
import { parseScenario } from '../../hal/sim/scenario.js';
import { Simulator } from '../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../hal/transport/memory.js';
import { DEFAULT_CONFIG, type HubConfig } from '../../src/config.js';
import { startHub, type Hub } from '../../src/compose.js';
import { NetworkIdentity } from '../../src/han/network-identity.js';

/**
 * The network's identity is the store's: the whole hub (startHub over ASH to the simulated NCP)
 * forms a network, its NCP is swapped for a blank one, and the hub started again on the same store
 * gives the blank NCP the same network, so the ESME that joined before is still on it, both ways.
 */
const CHF = '00DB1234567890A2';
const ESME = '00DB1234567890A0';
/** A cluster nothing in the hub answers, so the messages show the HAN path alone. */
const PROBE: ApsAddress = { profileId: 0x0109, clusterId: 0xfc00, sourceEndpoint: 1, destinationEndpoint: 1 };

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function startOn(sim: Simulator, storePath: string): Promise<Hub> {
  const [hostSide, ncpSide] = memoryTransportPair(`identity-${randomBytes(2).toString('hex')}`);
  sim.serve(ncpSide);
  const config: HubConfig = { ...structuredClone(DEFAULT_CONFIG), store: { path: storePath } };
  const hub = await startHub({ config, logger: silentLogger, transport: hostSide });
  cleanups.push(() => hub.stop());
  return hub;
}

/** A message each way between the hub and the ESME, each delivered. */
async function exchange(sim: Simulator, hub: Hub): Promise<void> {
  const toHub = Buffer.from(randomBytes(6));
  const heard = new Promise<IncomingMessage>((resolve) => {
    const listener = (message: IncomingMessage) => {
      if (!message.payload.equals(toHub)) return;
      hub.radio.off('message', listener);
      resolve(message);
    };
    hub.radio.on('message', listener);
  });
  sim.send(ESME, [toHub], PROBE);
  expect(await heard).toMatchObject({ eui64: ESME, clusterId: PROBE.clusterId });
  const toDevice = Buffer.from(randomBytes(6));
  expect(await hub.radio.send(ESME, PROBE, toDevice)).toEqual({ delivered: true });
  expect(sim.received(ESME).map((m) => m.payload.toString('hex'))).toContain(toDevice.toString('hex'));
}

describe('the network identity kept in the store', () => {
  it('is given to a blank NCP, and the Device joined before stays joined and reachable', async () => {
    const installCode = withInstallCodeCrc(randomBytes(16)).toString('hex').toUpperCase();
    const sim = new Simulator({ scenario: parseScenario(`network:\n  eui64: ${CHF}\ndevices:\n  - name: esme\n    eui64: ${ESME}\n    type: ESME\n    installCode: ${installCode}\n`, 'identity scenario'), clock: new SystemClock() });
    cleanups.push(() => sim.close());
    const dir = await mkdtemp(join(tmpdir(), 'hub-identity-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const storePath = join(dir, 'state');

    const first = await startOn(sim, storePath);
    const formed = { channel: first.network.channel, panId: first.network.panId, extendedPanId: first.network.extendedPanId };
    const key = Buffer.from(sim.ncp.nvm.network?.networkKey ?? Buffer.alloc(0));
    expect(key).toHaveLength(16);
    await first.deviceLog.add({ eui64: ESME, deviceType: 'ESME', installCode });
    await first.joinWindows.open(ESME, 60);
    expect(sim.join(ESME).joined).toBe(true);
    await exchange(sim, first);
    // The key on record is the one the radio holds, and it is sealed: not on disk in the clear.
    expect((await (await NetworkIdentity.open(first.store)).stored())?.networkKey).toBe(key.toString('hex'));
    await first.stop();
    for (const file of await readdir(storePath, { recursive: true })) {
      const bytes = await readFile(join(storePath, file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(key.toString('hex')) || bytes.includes(key), file).toBe(false);
    }

    await sim.replaceNcp();
    expect(sim.ncp.nvm.network).toBeUndefined();

    const second = await startOn(sim, storePath);
    expect({ channel: second.network.channel, panId: second.network.panId, extendedPanId: second.network.extendedPanId }).toEqual(formed);
    expect(sim.status().network).toEqual(formed);
    expect(sim.ncp.nvm.network?.networkKey.equals(key)).toBe(true);
    expect(sim.device(ESME).joined).toBe(true);
    // Its TC link key is back in the key table, the same one it holds.
    expect(sim.ncp.nvm.key(ESME)?.key.equals(sim.device(ESME).tcLinkKey ?? Buffer.alloc(16))).toBe(true);
    await exchange(sim, second);
    await second.stop();

    // The control: the same blank NCP and a new store make a new network, and the ESME is left off it.
    await sim.replaceNcp();
    const third = await startOn(sim, join(dir, 'other-state'));
    expect(sim.ncp.nvm.network?.networkKey.equals(key)).toBe(false);
    expect(third.network.extendedPanId).not.toBe(formed.extendedPanId);
    expect(sim.device(ESME).joined).toBe(false);
    expect(await third.radio.send(ESME, PROBE, Buffer.from('00', 'hex'))).toMatchObject({ delivered: false });
  }, 90_000);
});
