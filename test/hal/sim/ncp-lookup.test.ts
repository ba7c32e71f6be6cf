import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { SystemClock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { ADDRESS, ESME, PPMID, admit, formed } from './sim-setup.js';

describe('simulated NCP: node ids by EUI-64', () => {
  it('answers lookupNodeIdByEui64 from its node table, itself as 0x0000, and 0xFFFF for strangers', async () => {
    const { host, sim } = await formed();
    await admit(host, ESME, sim.device(ESME).spec.installCode);
    const outcome = sim.join(ESME);
    if (!outcome.joined) throw new Error(`ESME did not join: ${outcome.reason}`);
    expect(await host.call('lookupNodeIdByEui64', { eui64: ESME })).toEqual({ nodeId: outcome.nodeId });
    expect(await host.call('lookupNodeIdByEui64', { eui64: sim.scenario.network.eui64 })).toEqual({ nodeId: 0x0000 });
    expect(await host.call('lookupNodeIdByEui64', { eui64: PPMID })).toEqual({ nodeId: 0xffff });
    // After a reset the node table is still in flash, but there is no network until networkInit.
    const down = once(host.link, 'disconnected');
    await sim.resetNcp();
    await down;
    await host.connect();
    await host.negotiate();
    expect(await host.call('lookupNodeIdByEui64', { eui64: ESME })).toEqual({ nodeId: 0xffff });
    expect(await host.call('networkInit', { bitmask: 0 })).toEqual({ status: 0 });
    expect(await host.call('lookupNodeIdByEui64', { eui64: ESME })).toEqual({ nodeId: outcome.nodeId });
  });

  it('lets a hub that starts after the device joined send to it', async () => {
    const { host, sim } = await formed();
    await admit(host, ESME, sim.device(ESME).spec.installCode);
    expect(sim.join(ESME).joined).toBe(true);
    await host.close();
    // A new hub process: it never saw the join, so it must ask the NCP for the node id.
    const [hubSide, ncpSide] = memoryTransportPair('restarted');
    sim.serve(ncpSide);
    const clock = new SystemClock();
    const radio = new EzspRadio({ link: new AshEndpoint({ role: 'host', transport: hubSide, clock }), clock });
    try {
      expect(await radio.start()).toMatchObject({ channel: 15 });
      expect(await radio.send(ESME, ADDRESS, Buffer.from('0a0b', 'hex'))).toEqual({ delivered: true });
      expect(sim.received(ESME).map((m) => m.payload.toString('hex'))).toEqual(['0a0b']);
      expect(await radio.send(PPMID, ADDRESS, Buffer.from('0c', 'hex'))).toMatchObject({ delivered: false, reason: 'NOT_JOINED' });
    } finally {
      await radio.stop();
    }
  });
});
