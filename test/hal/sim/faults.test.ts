import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { EmberStatus } from '../../../hal/ezsp/index.js';
import type { Simulator } from '../../../hal/sim/simulator.js';
import type { RawHost } from './raw-host.js';
import { ADDRESS, ESME, admit, eventually, formed, settle } from './sim-setup.js';

async function joinEsme(host: RawHost, sim: Simulator): Promise<number> {
  await admit(host, ESME, sim.device(ESME).spec.installCode);
  const outcome = sim.join(ESME);
  if (!outcome.joined) throw new Error(outcome.reason);
  return outcome.nodeId;
}

const apsFrame = { ...ADDRESS, options: 0, groupId: 0, sequence: 0 };

describe('simulator faults through the real ASH path', () => {
  it('loses, repeats and reorders nothing while corrupting, dropping and duplicating on the line', async () => {
    const { host, sim } = await formed();
    const nodeId = await joinEsme(host, sim);
    sim.setFaults({ corruptOneIn: 200, dropOneIn: 500, duplicateOneIn: 50 });
    const count = 60;
    const up = Array.from({ length: count }, (_, i) => Buffer.from([0x55, i, i ^ 0xff]));
    sim.send(ESME, up);
    for (let i = 0; i < count; i++) {
      const sent = await host.call('sendUnicast', { type: 0, indexOrDestination: nodeId, apsFrame, messageTag: i, messageContents: Buffer.from([0xdd, i]) });
      expect(sent.status).toBe(EmberStatus.SUCCESS);
    }
    const incoming = await host.waitFor('incomingMessageHandler', count, 20_000);
    expect(incoming.map((m) => m.messageContents)).toEqual(up);
    const reports = await host.waitFor('messageSentHandler', count, 20_000);
    expect(reports.map((r) => r.messageTag)).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(sim.received(ESME).map((m) => m.payload[1])).toEqual(Array.from({ length: count }, (_, i) => i));
    const line = sim.status().line;
    expect(line.toHost.corrupted + line.toNcp.corrupted).toBeGreaterThan(0);
    expect(line.toHost.dropped + line.toNcp.dropped).toBeGreaterThan(0);
    expect(line.toHost.duplicated + line.toNcp.duplicated).toBeGreaterThan(0);
    expect(host.link.counters.retransmitted + host.link.counters.naksSent).toBeGreaterThan(0);
  });

  it('resets the NCP after the given number of host frames; flash survives and the host recovers', async () => {
    const { host, sim } = await formed();
    await joinEsme(host, sim);
    const dropped = once(host.link, 'disconnected');
    sim.setFaults({ resetAfterFrames: 3 });
    for (let i = 0; i < 3; i++) await host.call('nop', {});
    await dropped;
    expect(sim.status()).toMatchObject({ resets: 1, networkUp: false, faults: { resetAfterFrames: 0 } });
    await host.connect();
    await host.negotiate();
    expect(await host.call('networkInit', { bitmask: 0 })).toEqual({ status: EmberStatus.SUCCESS });
    expect(sim.device(ESME).joined).toBe(true);
    expect((await host.call('exportLinkKeyByEui', { eui64: ESME })).plaintextKey.equals(sim.device(ESME).tcLinkKey!)).toBe(true);
  });

  it('can announce a reset with ERROR, as a failed NCP does, and answers the host RST after it', async () => {
    const { host, sim } = await formed();
    const dropped = once(host.link, 'disconnected');
    await sim.resetNcp('error');
    expect(((await dropped) as [{ code: string }])[0].code).toBe('ASH_NCP_ERROR');
    await host.connect();
    await host.negotiate();
    expect(await host.call('networkInit', { bitmask: 0 })).toEqual({ status: EmberStatus.SUCCESS });
  });

  it('holds every response and callback back by the injected delay', async () => {
    const clock = new ManualClock();
    const { host, sim } = await formed({ clock });
    sim.setFaults({ delayMs: 500 });
    let answered = false;
    const pending = host.call('networkState', {}).then((r) => ((answered = true), r));
    await settle();
    await settle();
    expect(answered).toBe(false);
    await clock.advance(499);
    await settle();
    expect(answered).toBe(false);
    await clock.advance(1);
    expect(await pending).toEqual({ state: 2 });
    sim.setFaults({ delayMs: 0 });
    expect(await host.call('networkState', {})).toEqual({ state: 2 });
  });

  it('counts device messages that could not reach the host until it came back', async () => {
    const { host, sim } = await formed();
    await joinEsme(host, sim);
    const dropped = once(host.link, 'disconnected');
    await sim.resetNcp();
    await dropped;
    sim.send(ESME, [Buffer.from([1]), Buffer.from([2])]);
    await eventually(() => sim.status().devices.find((d) => d.eui64 === ESME)!.pending === 2);
    await host.connect();
    await host.negotiate();
    await host.call('networkInit', { bitmask: 0 });
    expect((await host.waitFor('incomingMessageHandler', 2)).map((m) => m.messageContents[0])).toEqual([1, 2]);
  });

  it('delays frames made together by the delay once, not once each', async () => {
    const clock = new ManualClock();
    const { host, sim } = await formed({ clock });
    sim.setFaults({ delayMs: 500 });
    const framesBefore = sim.status().hostFrames;
    const scan = host.call('startScan', { scanType: 0, channelMask: (1 << 11) | (1 << 12) | (1 << 13), duration: 1 });
    await eventually(() => sim.status().hostFrames > framesBefore);
    await settle();
    await clock.advance(500);
    expect(await scan).toEqual({ status: 0 });
    await eventually(() => host.received('scanCompleteHandler').length === 1);
    expect(host.received('energyScanResultHandler')).toHaveLength(3);
    expect(clock.now() - Date.UTC(2026, 0, 1)).toBe(500);
  });

  it('keeps a burst of device messages in order across a reset mid-burst; repeats carry their old APS counter', async () => {
    const { host, sim } = await formed();
    await joinEsme(host, sim);
    const payloads = Array.from({ length: 40 }, (_, i) => Buffer.from([0x77, i]));
    const counters = sim.send(ESME, payloads);
    await host.waitFor('incomingMessageHandler', 10);
    const dropped = once(host.link, 'disconnected');
    await sim.resetNcp();
    await dropped;
    await host.connect();
    await host.negotiate();
    await host.call('networkInit', { bitmask: 0 });
    await eventually(() => sim.device(ESME).pending() === 0);
    const heard = host.received('incomingMessageHandler');
    const kept = heard.filter((m, i) => !heard.slice(Math.max(0, i - sim.scenario.aps.window), i).some((p) => p.apsFrame.sequence === m.apsFrame.sequence));
    expect(kept.map((m) => m.messageContents)).toEqual(payloads);
    expect(kept.map((m) => m.apsFrame.sequence)).toEqual(counters);
    expect(heard.length - kept.length).toBeLessThanOrEqual(sim.scenario.aps.window);
    expect(sim.outcomes(ESME).every((o) => o.delivered)).toBe(true);
  });
});
