import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { EmberStatus } from '../../../hal/ezsp/index.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import type { Simulator } from '../../../hal/sim/simulator.js';
import type { RawHost } from './raw-host.js';
import { ADDRESS, ESME, GSME, admit, eventually, formed, settle } from './sim-setup.js';

async function joined(host: RawHost, sim: Simulator, eui64: string): Promise<number> {
  await admit(host, eui64, sim.device(eui64).spec.installCode);
  const outcome = sim.join(eui64);
  if (!outcome.joined) throw new Error(`${eui64} did not join: ${outcome.reason}`);
  return outcome.nodeId;
}

const apsFrame = (sequence = 0) => ({ ...ADDRESS, options: 0, groupId: 0, sequence });

describe('simulated NCP: messages', () => {
  it('delivers a unicast to a joined device and reports it with the message tag', async () => {
    const { host, sim } = await formed();
    const nodeId = await joined(host, sim, ESME);
    const payload = Buffer.from('0102030405', 'hex');
    const sent = await host.call('sendUnicast', { type: 0, indexOrDestination: nodeId, apsFrame: apsFrame(), messageTag: 0x42, messageContents: payload });
    expect(sent.status).toBe(EmberStatus.SUCCESS);
    const [report] = await host.waitFor('messageSentHandler');
    expect(report).toMatchObject({ status: EmberStatus.SUCCESS, indexOrDestination: nodeId, messageTag: 0x42, apsFrame: { sequence: sent.sequence } });
    expect(sim.received(ESME)).toHaveLength(1);
    expect(sim.received(ESME)[0]).toMatchObject({ ...ADDRESS, apsCounter: sent.sequence, payload, duplicate: false });
    // The host sending the same payload again (as after a lost messageSentHandler) is marked, not hidden.
    await host.call('sendUnicast', { type: 0, indexOrDestination: nodeId, apsFrame: apsFrame(), messageTag: 0x43, messageContents: payload });
    await host.waitFor('messageSentHandler', 2);
    expect(sim.received(ESME).map((m) => m.duplicate)).toEqual([false, true]);
  });

  it('reports failure for an unknown node, and refuses to send with the network down', async () => {
    const { host, sim } = await formed();
    const sent = await host.call('sendUnicast', { type: 0, indexOrDestination: 0x1234, apsFrame: apsFrame(), messageTag: 7, messageContents: Buffer.from([1]) });
    expect(sent.status).toBe(EmberStatus.SUCCESS);
    expect(await host.waitFor('messageSentHandler')).toMatchObject([{ status: EmberStatus.DELIVERY_FAILED, indexOrDestination: 0x1234, messageTag: 7 }]);
    await host.call('leaveNetwork', { options: 0 });
    expect((await host.call('sendUnicast', { type: 0, indexOrDestination: 0x1234, apsFrame: apsFrame(), messageTag: 8, messageContents: Buffer.from([1]) })).status).toBe(EmberStatus.NETWORK_DOWN);
    expect(sim.status().devices.every((d) => d.received === 0)).toBe(true);
  });

  it('hands device messages to the host in order, with the device APS counter and node id', async () => {
    const { host, sim } = await formed();
    const nodeId = await joined(host, sim, ESME);
    const payloads = Array.from({ length: 20 }, (_, i) => Buffer.from([0xa0, i]));
    const counters = sim.send(ESME, payloads);
    const incoming = await host.waitFor('incomingMessageHandler', 20);
    expect(incoming.map((m) => m.apsFrame.sequence)).toEqual(counters);
    expect(incoming.map((m) => m.messageContents)).toEqual(payloads);
    expect(incoming[0]).toMatchObject({ senderShortId: nodeId, lastHopLqi: 255, apsFrame: ADDRESS });
    await eventually(() => sim.outcomes(ESME).length === 20);
    expect(sim.outcomes(ESME).every((o) => o.delivered && o.attempts === 1)).toBe(true);
  });

  it('keeps device messages through an NCP reset: they wait, are retried, and arrive once and in order', async () => {
    const { host, sim } = await formed();
    await joined(host, sim, ESME);
    const dropped = once(host.link, 'disconnected');
    await sim.resetNcp();
    await dropped;
    const payloads = Array.from({ length: 5 }, (_, i) => Buffer.from([i]));
    sim.send(ESME, payloads);
    await new Promise((resolve) => setTimeout(resolve, sim.scenario.aps.retryIntervalMs * 2));
    expect(host.received('incomingMessageHandler')).toHaveLength(0);
    await host.connect();
    await host.negotiate();
    expect(await host.call('networkInit', { bitmask: 0 })).toEqual({ status: 0 });
    const incoming = await host.waitFor('incomingMessageHandler', 5);
    expect(incoming.map((m) => m.messageContents)).toEqual(payloads);
    await eventually(() => sim.outcomes(ESME).length === 5);
    expect(sim.outcomes(ESME).every((o) => o.delivered)).toBe(true);
    expect(sim.outcomes(ESME)[0]!.attempts).toBeGreaterThan(1);
  });

  it('gives up after the scenario retry count and records the failure', async () => {
    const clock = new ManualClock();
    const base = await loadScenario(undefined);
    const scenario = { ...base, aps: { ...base.aps, retries: 3, retryIntervalMs: 1000 } };
    const { host, sim } = await formed({ clock, scenario });
    await joined(host, sim, ESME);
    await host.call('leaveNetwork', { options: 0 });
    sim.device(ESME).joined = true; // it has not heard the network go away
    sim.send(ESME, [Buffer.from([9])]);
    for (let second = 0; second < 5; second++) {
      await settle();
      await clock.advance(1000);
    }
    expect(sim.outcomes(ESME)).toMatchObject([{ delivered: false, reason: 'NO_ACK', attempts: 3, payload: Buffer.from([9]) }]);
    expect(sim.status().devices.find((d) => d.eui64 === ESME)).toMatchObject({ failed: 1, pending: 0 });
  });

  it('holds messages for the sleepy GSME until it polls, and fails them after the indirect timeout', async () => {
    const clock = new ManualClock();
    const { host, sim } = await formed({ clock });
    const nodeId = await joined(host, sim, GSME);
    const wakeMs = sim.device(GSME).spec.wakeIntervalSeconds * 1000;
    // The host's configuration wins over the scenario's default, as on an NCP.
    const indirectMs = 5000;
    expect(await host.call('setConfigurationValue', { configId: 0x12, value: indirectMs })).toEqual({ status: 0 });
    // Sent long before the wake-up: held, then given up on.
    await host.call('sendUnicast', { type: 0, indexOrDestination: nodeId, apsFrame: apsFrame(), messageTag: 1, messageContents: Buffer.from([1]) });
    await clock.advance(indirectMs);
    expect(await host.waitFor('messageSentHandler')).toMatchObject([{ status: EmberStatus.DELIVERY_FAILED, messageTag: 1 }]);
    // Sent shortly before the wake-up: handed over when the GSME polls.
    await clock.advance(wakeMs - indirectMs - 1000);
    await host.call('sendUnicast', { type: 0, indexOrDestination: nodeId, apsFrame: apsFrame(), messageTag: 2, messageContents: Buffer.from([2]) });
    await settle();
    expect(sim.received(GSME)).toHaveLength(0);
    await clock.advance(1000);
    expect((await host.waitFor('messageSentHandler', 2))[1]).toMatchObject({ status: EmberStatus.SUCCESS, messageTag: 2 });
    expect(sim.received(GSME).map((m) => m.payload)).toEqual([Buffer.from([2])]);
  });
});
