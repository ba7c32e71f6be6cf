import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ControlServer } from '../../../hal/sim/control.js';
import type { Simulator } from '../../../hal/sim/simulator.js';
import { ControlClient } from '../../hal/sim/control-client.js';
import { ESME, GSME, queuedId, rig } from './relay-rig.js';

/**
 * The simulated Devices' GBCS tunnel ends as a person or another process drives them through the
 * simulator's control protocol, against the hub's real relay: full-size (1,500-octet) GBCS
 * messages both ways, which the radio carries in APS blocks.
 */

/** A GBCS message of `length` octets, numbered so no two are alike. */
function gbcsOf(length: number, number: number): Buffer {
  const out = Buffer.alloc(length);
  for (let at = 0; at < length; at++) out[at] = (at * 13 + number) & 0xff;
  out[0] = 0xdd;
  out.writeUInt32BE(number, length - 4);
  return out;
}

async function control(sim: Simulator): Promise<ControlClient> {
  const server = new ControlServer(sim);
  const port = await server.listen(0);
  const client = await ControlClient.open(port);
  onTestFinished(() => server.close());
  return client;
}

describe('GBCS tunnel ends over the control protocol', () => {
  it('a mains Device records the hub’s 1,500-octet messages and sends its own through its tunnel', async () => {
    const { relay, sim, events } = await rig();
    const client = await control(sim);
    const toEsme = [gbcsOf(1500, 1), gbcsOf(40, 2), gbcsOf(1500, 3)];
    for (const message of toEsme) expect(await relay.relay(ESME, message)).toEqual({ eui64: ESME, status: 'DELIVERED' });
    const received = await client.request({ op: 'received', eui64: ESME });
    expect(received).toMatchObject({ ok: true, gbcs: toEsme.map((m, index) => ({ index, gbcs: m.toString('hex') })) });
    expect((await client.waitEvent('gbcsReceived', 3)).map((e) => e['gbcs'])).toEqual(toEsme.map((m) => m.toString('hex')));

    const fromEsme = [gbcsOf(1500, 4), gbcsOf(200, 5)];
    for (const message of fromEsme) expect(await client.request({ op: 'sendGbcs', from: ESME, gbcs: message.toString('hex') })).toMatchObject({ ok: true });
    while (events.message.length < fromEsme.length) await once(relay, 'message');
    expect(events.message).toEqual(fromEsme.map((gbcsBytes) => ({ eui64: ESME, gbcsBytes })));
  }, 20_000);

  it('the GSME collects its queued messages when woken, and PUTs its own', async () => {
    const { relay, sim, events } = await rig();
    const client = await control(sim);
    const queued = [gbcsOf(1498, 6), gbcsOf(60, 7)];
    const reports = [];
    for (const message of queued) reports.push(await relay.relay(GSME, message));
    reports.forEach(queuedId);
    const alert = gbcsOf(1499, 8); // with its one-octet PUT header, a full transfer
    expect(await client.request({ op: 'sendGbcs', from: GSME, gbcs: alert.toString('hex') })).toMatchObject({ ok: true });
    // Nothing moves while it sleeps.
    expect(await client.request({ op: 'received', eui64: GSME })).toMatchObject({ gbcs: [] });
    expect(events.message).toEqual([]);

    const collected = once(sim.tunnelEnd(GSME), 'collected');
    const heard = once(relay, 'message');
    expect(await client.request({ op: 'wake', eui64: GSME })).toMatchObject({ ok: true });
    expect((await collected)[0]).toEqual({ messages: queued });
    for (const report of reports) expect(await report.outcome).toMatchObject({ status: 'DELIVERED' });
    expect(await client.request({ op: 'received', eui64: GSME })).toMatchObject({ gbcs: queued.map((m, index) => ({ index, gbcs: m.toString('hex') })) });
    await heard;
    expect(events.message).toEqual([{ eui64: GSME, gbcsBytes: alert }]);
  }, 20_000);

  it('a mains Device whose tunnel the hub forgot opens its own to send the next message', async () => {
    const { relay, sim, esme, events } = await rig();
    expect((await relay.relay(ESME, gbcsOf(30, 9))).status).toBe('DELIVERED');
    const stale = esme.hubTunnelId;
    relay.tunnels.forget(ESME);
    const refused = once(relay, 'refused');
    const toldOff = esme.next((f) => f.command.kind === 'transferDataError');
    sim.sendGbcs(ESME, gbcsOf(30, 10));
    expect((await refused)[0].reason).toMatch(/unknown tunnel/);
    expect((await toldOff)?.command).toMatchObject({ tunnelId: stale });
    expect(esme.hubTunnelId).toBeUndefined();
    const heard = once(relay, 'message');
    sim.sendGbcs(ESME, gbcsOf(30, 11));
    await heard;
    expect(events.message).toEqual([{ eui64: ESME, gbcsBytes: gbcsOf(30, 11) }]);
    expect(relay.tunnels.clientTunnel(ESME)).toBeUndefined();
  });

  it('refuses a GBCS message it cannot send, naming why', async () => {
    const { sim } = await rig();
    const client = await control(sim);
    const tooLong = Buffer.concat([Buffer.of(0xdd), Buffer.alloc(1500)]);
    expect(await client.request({ op: 'sendGbcs', from: ESME, gbcs: tooLong.toString('hex') })).toMatchObject({ ok: false, error: { code: 'SIM_BAD_GBCS', message: expect.stringMatching(/1501 octets/) } });
    expect(await client.request({ op: 'sendGbcs', from: ESME, gbcs: '0102' })).toMatchObject({ ok: false, error: { code: 'SIM_BAD_GBCS', message: expect.stringMatching(/0xDD or 0xDF/) } });
    expect(await client.request({ op: 'sendGbcs', from: GSME, gbcs: tooLong.subarray(0, 1500).toString('hex') })).toMatchObject({ ok: false, error: { code: 'SIM_BAD_GBCS', message: expect.stringMatching(/at most 1499/) } });
    expect(await client.request({ op: 'sendGbcs', from: '00DB1234567890A5', gbcs: 'dd00' })).toMatchObject({ ok: false, error: { code: 'SIM_NO_TUNNEL', message: expect.stringMatching(/IHD/) } });
    expect(await client.request({ op: 'sendGbcs', from: ESME })).toMatchObject({ ok: false, error: { code: 'CONTROL_BAD_REQUEST' } });
  });
});
