import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { SystemClock, type Timer } from '../../../hal/clock.js';
import { EzspRadio, type EzspRadioOptions } from '../../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import { RadioError, type ApsAddress, type IncomingMessage } from '../../../hal/radio.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';

/** The EZSP Radio against the simulated NCP, in one process, over real ASH on an in-memory line. */

const ESME = '00DB1234567890A0';
const IHD = '00DB1234567890A5';
const INTRUDER = '00DB1234567890AF';
const ADDRESS: ApsAddress = { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rig(ezspVersion: number, options: Partial<EzspRadioOptions> = {}) {
  const scenario = await loadScenario(undefined);
  const clock = new SystemClock();
  const sim = new Simulator({ scenario, clock, ezspVersion, seed: 1 });
  const [hostSide, ncpSide] = memoryTransportPair('radio-test');
  sim.serve(ncpSide);
  const link = new AshEndpoint({ role: 'host', transport: hostSide, clock });
  const radio = new EzspRadio({ link, clock, reconnectDelayMs: 50, commandTimeoutMs: 2000, ...options });
  cleanups.push(async () => {
    await radio.stop().catch(() => undefined);
    await sim.close();
  });
  const codeOf = (eui64: string) => scenario.devices.find((d) => d.eui64 === eui64)?.declaredInstallCode ?? '';
  return { sim, radio, link, ncpSide, codeOf };
}

async function formedWithEsme(ezspVersion: number, options: Partial<EzspRadioOptions> = {}) {
  const env = await rig(ezspVersion, options);
  expect(await env.radio.start()).toBeNull();
  await env.radio.formNetwork({ channel: 15, panId: 0x1234 });
  await env.radio.permitJoining([{ eui64: ESME, linkKey: linkKeyFromInstallCode(env.codeOf(ESME)) }], 60);
  const joined = once(env.radio, 'deviceJoined');
  expect(env.sim.join(ESME).joined).toBe(true);
  await joined;
  return env;
}

describe.each([13, 14])('EZSP Radio against the simulated NCP (EZSP %i)', (version) => {
  it('forms a network and reports it', async () => {
    const { radio } = await rig(version);
    expect(await radio.start()).toBeNull();
    const up = once(radio, 'networkUp');
    const info = await radio.formNetwork({ channel: 20, panId: 0x4321, extendedPanId: '00DB1234567890FF' });
    expect(info).toMatchObject({ channel: 20, panId: 0x4321, extendedPanId: '00DB1234567890FF', localEui64: '00DB123456789000', nodeId: 0 });
    expect((await up)[0]).toEqual(info);
    expect(radio.networkInfo()).toEqual(info);
  });

  it('admits a device with its install-code key, reports its new TC link key, and refuses the others', async () => {
    const { radio, sim, codeOf } = await rig(version);
    await radio.start();
    await radio.formNetwork({ channel: 11 });
    const wrongKey = linkKeyFromInstallCode(codeOf(INTRUDER));
    await radio.permitJoining(
      [
        { eui64: ESME, linkKey: linkKeyFromInstallCode(codeOf(ESME)) },
        { eui64: INTRUDER, linkKey: wrongKey },
      ],
      60,
    );
    const heard: string[] = [];
    radio.on('joinHeard', ({ eui64 }) => heard.push(eui64));
    const joined = once(radio, 'deviceJoined');
    const keyed = once(radio, 'linkKeyEstablished');
    sim.join(ESME);
    const [device] = await joined;
    expect(device.eui64).toBe(ESME);
    expect(device.nodeId).toBe(sim.device(ESME).nodeId);
    const [{ linkKey }] = await keyed;
    expect(linkKey).toEqual(sim.device(ESME).tcLinkKey);

    const refusals: Array<{ eui64: string; reason: string; step?: string }> = [];
    radio.on('joinRefused', (r) => refusals.push(r));
    const notAllowed = once(radio, 'joinRefused');
    sim.join(IHD);
    await notAllowed;
    const wrong = new Promise<void>((resolve) => radio.on('joinRefused', (r) => r.eui64 === INTRUDER && resolve()));
    sim.join(INTRUDER);
    await wrong;
    expect(refusals.map((r) => r.eui64)).toEqual([IHD, INTRUDER]);
    expect(refusals[1]?.reason).toMatch(/key establishment failed/);
    // The trust centre let the ESME and the intruder (whose key was imported) in; the IHD had no key.
    expect(refusals.map((r) => r.step)).toEqual(['trustCentre', 'keyEstablishment']);
    expect(heard).toEqual([ESME, INTRUDER]);
  }, 20_000);

  it('delivers APS messages both ways, in order, and reports each outcome', async () => {
    const { radio, sim } = await formedWithEsme(version);
    const payloads = Array.from({ length: 20 }, (_, i) => Buffer.from(`to-esme-${i}`));
    const outcomes = await Promise.all(payloads.map((p) => radio.send(ESME, ADDRESS, p)));
    expect(outcomes.every((o) => o.delivered)).toBe(true);
    expect(sim.received(ESME).map((m) => m.payload.toString())).toEqual(payloads.map((p) => p.toString()));

    const heard: IncomingMessage[] = [];
    const all = new Promise<void>((resolve) =>
      radio.on('message', (m) => {
        heard.push(m);
        if (heard.length === 10) resolve();
      }),
    );
    sim.send(ESME, Array.from({ length: 10 }, (_, i) => Buffer.from(`from-esme-${i}`)));
    await all;
    expect(heard.map((m) => m.payload.toString())).toEqual(Array.from({ length: 10 }, (_, i) => `from-esme-${i}`));
    expect(heard[0]).toMatchObject({ eui64: ESME, profileId: 0x0109, clusterId: 0x0704, nodeId: sim.device(ESME).nodeId });
  });

  it('resends what was in flight when the NCP resets, and loses nothing', async () => {
    const { radio, sim } = await formedWithEsme(version);
    const down = once(radio, 'networkDown');
    const payloads = Array.from({ length: 40 }, (_, i) => Buffer.from(`m${i}`));
    const sends = payloads.map((p) => radio.send(ESME, ADDRESS, p));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const upAgain = once(radio, 'networkUp');
    await sim.resetNcp();
    await down;
    await upAgain;
    const outcomes = await Promise.all(sends);
    expect(outcomes.filter((o) => !o.delivered)).toEqual([]);
    const got = sim.received(ESME).map((m) => m.payload.toString());
    // Every message arrived; first arrivals are in order (a message whose report the reset lost may come twice).
    const firsts = got.filter((p, i) => got.indexOf(p) === i);
    expect(firsts).toEqual(payloads.map((p) => p.toString()));
    expect(got.length - firsts.length).toBeLessThanOrEqual(1);
    expect(radio.host.counters.recoveries).toBe(1);
  }, 20_000);

  it('says NOT_JOINED for a device that is not on the network', async () => {
    const { radio } = await formedWithEsme(version);
    expect(await radio.send(IHD, ADDRESS, Buffer.from('x'))).toMatchObject({ delivered: false, reason: 'NOT_JOINED' });
  });

  it('scans energy on the channels asked for', async () => {
    const { radio } = await formedWithEsme(version);
    const readings = await radio.energyScan([11, 15, 25], 1);
    expect(readings).toEqual([
      { channel: 11, maxRssi: -92 },
      { channel: 15, maxRssi: -75 },
      { channel: 25, maxRssi: -60 },
    ]);
  });
});

/** The system clock, keeping the delays of the timers still to fire. */
class TimerKeepingClock extends SystemClock {
  readonly waiting = new Set<{ delayMs: number }>();

  override setTimeout(callback: () => void, delayMs: number): Timer {
    const entry = { delayMs };
    this.waiting.add(entry);
    const timer = super.setTimeout(() => {
      this.waiting.delete(entry);
      callback();
    }, delayMs);
    return { cancel: () => (this.waiting.delete(entry), timer.cancel()) };
  }
}

describe('EZSP Radio network bound', () => {
  it('leaves no wait for the network running once it is up, so a hub that stops soon after can exit', async () => {
    const clock = new TimerKeepingClock();
    const { radio } = await rig(13, { clock });
    expect(await radio.start()).toBeNull();
    await radio.formNetwork({ channel: 15, panId: 0x1234 });
    expect([...clock.waiting].filter((timer) => timer.delayMs >= 15_000)).toEqual([]);
  });
});

describe('EZSP Radio failure paths', () => {
  it('reports a send as NETWORK_DOWN when the NCP does not come back in time', async () => {
    const { radio, ncpSide } = await formedWithEsme(14, { networkWaitMs: 300 });
    const down = once(radio, 'networkDown');
    await ncpSide.close();
    await radio.host.command('nop', {}).catch(() => undefined);
    await down;
    expect(await radio.send(ESME, ADDRESS, Buffer.from('late'))).toMatchObject({ delivered: false, reason: 'NETWORK_DOWN' });
  }, 20_000);

  it('refuses bad arguments with RadioError and changes nothing', async () => {
    const { radio } = await formedWithEsme(13);
    await expect(radio.permitJoining([], 255)).rejects.toBeInstanceOf(RadioError);
    await expect(radio.permitJoining([{ eui64: 'nope', linkKey: Buffer.alloc(16) }], 10)).rejects.toThrow(/eui64/);
    await expect(radio.permitJoining([{ eui64: IHD, linkKey: Buffer.alloc(15) }], 10)).rejects.toThrow(/16 bytes/);
    await expect(radio.setChannel(27)).rejects.toBeInstanceOf(RadioError);
    await expect(radio.formNetwork({ channel: 10 })).rejects.toBeInstanceOf(RadioError);
    await expect(radio.energyScan([], 1)).rejects.toBeInstanceOf(RadioError);
    await expect(radio.send('00', ADDRESS, Buffer.alloc(1))).rejects.toBeInstanceOf(RadioError);
    expect(radio.networkInfo()?.channel).toBe(15);
  });

  it('removes a device and hears it leave', async () => {
    const { radio, sim } = await formedWithEsme(14);
    const left = once(radio, 'deviceLeft');
    await radio.removeDevice(ESME);
    expect((await left)[0]).toEqual({ eui64: ESME });
    expect(sim.device(ESME).joined).toBe(false);
    await expect(radio.removeDevice(IHD)).rejects.toBeInstanceOf(RadioError);
  });
});
