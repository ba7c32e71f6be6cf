import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { SystemClock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { silentLogger } from '../../../hal/log.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { NetworkIdentity } from '../../../src/han/network-identity.js';
import { openStore, type Store } from '../../../src/store/index.js';

/** The kept network identity against the EZSP Radio and the simulated NCP, over real ASH, on a real LevelDB. */

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function openTestStore(): Promise<Store> {
  const dir = await mkdtemp(join(tmpdir(), 'network-identity-'));
  const dataKey = randomBytes(32);
  const store = await openStore({ path: dir, secureElement: { dataKey: async () => dataKey } });
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  cleanups.push(() => store.close());
  return store;
}

async function radioOn(sim: Simulator): Promise<EzspRadio> {
  const clock = new SystemClock();
  const [hostSide, ncpSide] = memoryTransportPair('identity-radio');
  sim.serve(ncpSide);
  const radio = new EzspRadio({ link: new AshEndpoint({ role: 'host', transport: hostSide, clock }), clock, reconnectDelayMs: 50, commandTimeoutMs: 2000 });
  cleanups.push(() => radio.stop());
  return radio;
}

describe.each([13, 14])('the kept network identity (EZSP %i)', (ezspVersion) => {
  async function simulator(): Promise<Simulator> {
    const sim = new Simulator({ scenario: await loadScenario(undefined), ezspVersion, seed: 1 });
    cleanups.push(() => sim.close());
    return sim;
  }

  it('is made once from the config, and the radio that resumes it keeps it', async () => {
    const store = await openTestStore();
    const identity = await NetworkIdentity.open(store);
    const sim = await simulator();
    const first = await identity.bringUp(await radioOn(sim), { channel: 19, panId: 0x2468 }, silentLogger);
    expect(first.how).toBe('formed');
    expect(first.network).toMatchObject({ channel: 19, panId: 0x2468 });
    const kept = await identity.stored();
    expect(kept).toMatchObject({ channel: 19, panId: 0x2468, extendedPanId: first.network.extendedPanId, sequenceNumber: 0 });
    expect(sim.ncp.nvm.network?.networkKey.toString('hex')).toBe(kept?.networkKey);

    const again = await identity.bringUp(await radioOn(sim), { channel: 25 }, silentLogger);
    expect(again.how).toBe('resumed');
    expect(again.network).toMatchObject({ channel: 19, panId: 0x2468, extendedPanId: first.network.extendedPanId });
  });

  it('is given to a radio that holds another network, with the frame counter moved past the one kept', async () => {
    const store = await openTestStore();
    const identity = await NetworkIdentity.open(store);
    const sim = await simulator();
    const { network } = await identity.bringUp(await radioOn(sim), {}, silentLogger);
    const kept = await identity.stored();
    // Frames sent since: the NCP's counter has moved on, and a clean stop keeps it.
    const counted = sim.ncp.nvm.network;
    if (counted) counted.frameCounter = 5000;
    const radio = await radioOn(sim);
    await radio.start();
    await identity.keepFrameCounter(radio);
    expect((await identity.stored())?.frameCounter).toBe(5000);

    // Someone forms another network on the NCP.
    await radio.formNetwork({ channel: 12, panId: 0x1111 });
    expect(sim.ncp.nvm.network?.networkKey.toString('hex')).not.toBe(kept?.networkKey);

    const back = await identity.bringUp(await radioOn(sim), {}, silentLogger);
    expect(back.how).toBe('restored');
    expect(back.network).toMatchObject({ channel: network.channel, panId: network.panId, extendedPanId: network.extendedPanId });
    expect(sim.ncp.nvm.network?.networkKey.toString('hex')).toBe(kept?.networkKey);
    expect(sim.ncp.nvm.network?.frameCounter).toBeGreaterThan(5000);
  });

  it('lets a radio that will not export its key resume its network, keeping nothing until it does', async () => {
    const sim = await simulator();
    const before = await radioOn(sim);
    await before.start();
    const formed = await before.formNetwork({ channel: 22, panId: 0x0cab });
    await before.stop();
    const identity = await NetworkIdentity.open(await openTestStore());
    const radio = await radioOn(sim);
    radio.readNetworkKey = () => Promise.reject(new Error('exportKey refused'));
    const { how, network } = await identity.bringUp(radio, {}, silentLogger);
    expect(how).toBe('resumed');
    expect(network.extendedPanId).toBe(formed.extendedPanId);
    expect(await identity.stored()).toBeUndefined();
  });

  it('is taken from the radio when the store has none (a store from before it was kept)', async () => {
    const sim = await simulator();
    const before = await radioOn(sim);
    await before.start();
    const formed = await before.formNetwork({ channel: 21, panId: 0x0bad });
    await before.stop();

    const identity = await NetworkIdentity.open(await openTestStore());
    const { how, network } = await identity.bringUp(await radioOn(sim), {}, silentLogger);
    expect(how).toBe('resumed');
    expect(network).toMatchObject({ channel: 21, panId: 0x0bad, extendedPanId: formed.extendedPanId });
    expect((await identity.stored())?.networkKey).toBe(sim.ncp.nvm.network?.networkKey.toString('hex'));
  });
});
