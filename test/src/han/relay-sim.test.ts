import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { RelayError } from '../../../src/han/relay.js';
import { GBCS_TUNNEL, TUNNEL_STATUS } from '../../../hal/tunnel/protocol.js';
import { rejection } from '../chf/helpers.js';
import { ESME, GSME, gbcs, HOUR, IHD, queuedId, rig, settledCount, temp } from './relay-rig.js';

/** Relaying to mains Devices and the sleepy GSME through the simulated HAN (see relay-rig.ts). */

describe('relay to a mains-powered Device', () => {
  it('opens a GBCS tunnel once, delivers each message over it, and passes the Device’s answer up', async () => {
    const { relay, sim, esme, events } = await rig();
    expect(await relay.relay(ESME, gbcs('first'))).toEqual({ eui64: ESME, status: 'DELIVERED' });
    expect(await relay.relay(ESME, gbcs('second'))).toEqual({ eui64: ESME, status: 'DELIVERED' });
    const requests = esme.frames.filter((f) => f.command.kind === 'requestTunnel');
    expect(requests.map((f) => f.command)).toEqual([{ kind: 'requestTunnel', ...GBCS_TUNNEL }]);
    expect(sim.tunnelled(ESME).map((m) => m.gbcs)).toEqual([gbcs('first'), gbcs('second')]);

    const answered = once(relay, 'message');
    sim.sendGbcs(ESME, gbcs('response'));
    await answered;
    // The answer went back over the hub's own tunnel, not a new one.
    expect(relay.tunnels.clientTunnel(ESME)?.tunnelId).toBe(esme.hubTunnelId);
    expect(events.message).toEqual([{ eui64: ESME, gbcsBytes: gbcs('response') }]);
  });

  it('reports a refused tunnel and a silent Device without sending the message', async () => {
    const refused = await rig({ esme: { requestStatus: TUNNEL_STATUS.busy } });
    expect(await refused.relay.relay(ESME, gbcs('x'))).toMatchObject({ status: 'TUNNEL_REFUSED', detail: expect.stringMatching(/busy/) });
    expect(refused.esme.frames.map((f) => f.command.kind)).toEqual(['requestTunnel']);
  });

  it('reports UNREACHABLE when the Device never answers the tunnel request', async () => {
    const silent = await rig({ esme: { requestStatus: null }, tunnelResponseTimeoutMs: 300 });
    expect(await silent.relay.relay(ESME, gbcs('x'))).toMatchObject({ status: 'UNREACHABLE', detail: expect.stringMatching(/no RequestTunnelResponse/) });
    expect(silent.sim.tunnelled(ESME)).toEqual([]);
  });

  it('reports UNREACHABLE when the Device is gone after its tunnel opened', async () => {
    const { relay, sim } = await rig();
    expect((await relay.relay(ESME, gbcs('first'))).status).toBe('DELIVERED');
    sim.device(ESME).left();
    expect(await relay.relay(ESME, gbcs('second'))).toMatchObject({ status: 'UNREACHABLE', detail: expect.stringMatching(/NO_ACK|NOT_JOINED|DELIVERY_FAILED/) });
    expect(sim.tunnelled(ESME).map((m) => m.gbcs)).toEqual([gbcs('first')]);
  });
});

describe('relay to the sleepy GSME', () => {
  it('queues messages, sends nothing until the GSME asks, then hands them out in order with the count remaining', async () => {
    const { relay, sim, gsme, events } = await rig();
    const reports = [];
    for (const text of ['one', 'two', 'three']) reports.push(await relay.relay(GSME, gbcs(text)));
    const ids = reports.map(queuedId);
    expect(sim.received(GSME)).toHaveLength(0);

    const counts: number[] = [];
    const tunnelOpened = gsme.next((f) => f.command.kind === 'requestTunnelResponse');
    const collected = gsme.collect();
    const { command } = (await tunnelOpened)!;
    expect(command).toMatchObject({ status: TUNNEL_STATUS.success, maxIncomingTransferSize: 1500 });
    expect(await collected).toEqual([gbcs('one'), gbcs('two'), gbcs('three')]);
    for (const frame of gsme.frames) if (frame.command.kind === 'transferData') counts.push(frame.command.data[1]!);
    expect(counts).toEqual([2, 1, 0]);
    for (const report of reports) expect(await report.outcome).toMatchObject({ status: 'DELIVERED' });
    expect(events.queueSettled.map((o) => [o.id, o.status])).toEqual(ids.map((id) => [id, 'DELIVERED']));

    // Nothing left: a GET is answered with an empty GET-RESPONSE.
    expect(await gsme.collect()).toEqual([]);

    // The GSME's own messages go as PUTs in its next round, and come up without their PUT header.
    const heard = once(relay, 'message');
    sim.sendGbcs(GSME, gbcs('alert'));
    expect(await gsme.collect()).toEqual([]);
    await heard;
    expect(events.message).toEqual([{ eui64: GSME, gbcsBytes: gbcs('alert') }]);
    expect(sim.tunnelled(GSME).map((m) => m.gbcs)).toEqual([gbcs('one'), gbcs('two'), gbcs('three')]);
  });

  it('reports expired messages as EXPIRED and never hands them to the GSME', async () => {
    const clock = new ManualClock(Date.now());
    const { relay, gsme, events } = await rig({ clock });
    const lapsing = await relay.relay(GSME, gbcs('stale'), { expiresAt: clock.now() + HOUR });
    const lasting = await relay.relay(GSME, gbcs('fresh'));
    await clock.advance(HOUR);
    expect(await lapsing.outcome).toMatchObject({ id: lapsing.messageId, status: 'EXPIRED' });
    expect(events.queueSettled).toEqual([expect.objectContaining({ id: lapsing.messageId, status: 'EXPIRED' })]);
    expect(await gsme.collect()).toEqual([gbcs('fresh')]);
    expect(await lasting.outcome).toMatchObject({ status: 'DELIVERED' });
    // A message already expired when relayed is refused outright.
    expect(await relay.relay(GSME, gbcs('late'), { expiresAt: clock.now() - 1 })).toMatchObject({ status: 'EXPIRED' });
  });

  it('refuses with QUEUE_FULL once the GSME’s queue is full', async () => {
    const { relay, queue } = await rig({ capacity: 2 });
    queuedId(await relay.relay(GSME, gbcs('a')));
    queuedId(await relay.relay(GSME, gbcs('b')));
    expect(await relay.relay(GSME, gbcs('c'))).toMatchObject({ status: 'QUEUE_FULL' });
    expect(queue.list(GSME).map((m) => m.gbcs)).toEqual([gbcs('a'), gbcs('b')]);
  });

  it('keeps the queue across a restart of the relay and the store, and reports the outcome by message id', async () => {
    const first = await rig();
    const ids = [queuedId(await first.relay.relay(GSME, gbcs('before-1'))), queuedId(await first.relay.relay(GSME, gbcs('before-2')))];
    await first.relay.stop();
    await first.queue.close();
    await temp.reopen();
    const second = await first.startRelay();
    expect(await first.gsme.collect()).toEqual([gbcs('before-1'), gbcs('before-2')]);
    await settledCount(second.relay, second.events, 2);
    expect(second.events.queueSettled.map((o) => [o.id, o.status])).toEqual(ids.map((id) => [id, 'DELIVERED']));
  });
});

describe('refusals', () => {
  it('refuses a Device that is not in the CHF Device Log, sending nothing', async () => {
    const { relay, sim } = await rig();
    const before = sim.status().hostFrames;
    expect(await relay.relay(IHD, gbcs('x'))).toMatchObject({ status: 'NOT_ADMITTED' });
    expect(sim.received(IHD)).toHaveLength(0);
    expect(sim.status().hostFrames).toBe(before);
  });

  it('refuses a message that does not fit one transfer, sending and queueing nothing', async () => {
    const { relay, sim, queue } = await rig();
    const big = Buffer.concat([Buffer.of(0xdd), Buffer.alloc(GBCS_TUNNEL.maxIncomingTransferSize)]);
    expect(await relay.relay(ESME, big)).toMatchObject({ status: 'TOO_LARGE', detail: expect.stringMatching(/1501 octets; .* 1500/) });
    // Two of the GSME's 1500 octets carry the GET-RESPONSE header.
    expect(await relay.relay(GSME, big.subarray(0, 1499))).toMatchObject({ status: 'TOO_LARGE', detail: expect.stringMatching(/1498/) });
    expect(sim.received(ESME)).toHaveLength(0);
    expect(queue.count(GSME)).toBe(0);
  });

  it('rejects a malformed call with a typed error', async () => {
    const { relay } = await rig();
    const errors = await Promise.all([rejection(relay.relay('esme', gbcs('x'))), rejection(relay.relay(ESME, Buffer.from('not gbcs')))]);
    for (const error of errors) expect(error).toBeInstanceOf(RelayError);
    expect(errors.map((e) => e.code)).toEqual(['RELAY_BAD_EUI64', 'RELAY_NOT_GBCS']);
  });
});
