import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { encodeTunnelData } from '../../../hal/tunnel/header.js';
import { GBCS_TUNNEL, TRANSFER_DATA_STATUS, TUNNEL_STATUS, type TunnelFrame } from '../../../hal/tunnel/protocol.js';
import { ESME, GSME, gbcs, queuedId, rig } from './relay-rig.js';

/** What Devices send the hub over their tunnels, and how the relay answers (see relay-rig.ts). */

const isResponseTo = (sequence: number) => (f: TunnelFrame) => f.sequence === sequence && f.command.kind === 'requestTunnelResponse';

describe('tunnels Devices open to the hub', () => {
  it('refuses a tunnel for another protocol or with flow control, with the matching status', async () => {
    const { gsme } = await rig();
    const wrongProtocol = gsme.next(isResponseTo(1));
    gsme.sendFrame({ sequence: 1, direction: 'clientToServer', command: { kind: 'requestTunnel', ...GBCS_TUNNEL, protocolId: 2 } });
    expect((await wrongProtocol)!.command).toMatchObject({ status: TUNNEL_STATUS.protocolNotSupported });
    const flowControl = gsme.next(isResponseTo(2));
    gsme.sendFrame({ sequence: 2, direction: 'clientToServer', command: { kind: 'requestTunnel', ...GBCS_TUNNEL, flowControl: true } });
    expect((await flowControl)!.command).toMatchObject({ status: TUNNEL_STATUS.flowControlNotSupported });
  });

  it('answers data on a tunnel it never opened with TransferDataError and passes nothing up', async () => {
    const { gsme, relay, events } = await rig();
    const error = gsme.next((f) => f.command.kind === 'transferDataError');
    const refused = once(relay, 'refused');
    gsme.sendFrame({ sequence: 3, direction: 'clientToServer', command: { kind: 'transferData', tunnelId: 0x7777, data: encodeTunnelData({ kind: 'put', message: gbcs('x') }) } });
    expect((await error)!.command).toEqual({ kind: 'transferDataError', tunnelId: 0x7777, status: TRANSFER_DATA_STATUS.noSuchTunnel });
    expect((await refused)[0]).toMatchObject({ eui64: GSME, reason: expect.stringMatching(/noSuchTunnel/) });
    expect(events.message).toEqual([]);
  });

  it('drops unreadable tunnel data with a refusal event', async () => {
    const { gsme, relay, events } = await rig();
    const opened = gsme.next(isResponseTo(4));
    gsme.sendFrame({ sequence: 4, direction: 'clientToServer', command: { kind: 'requestTunnel', ...GBCS_TUNNEL } });
    const { command } = (await opened)!;
    if (command.kind !== 'requestTunnelResponse') throw new Error('unreachable');
    const refused = once(relay, 'refused');
    gsme.sendFrame({ sequence: 5, direction: 'clientToServer', command: { kind: 'transferData', tunnelId: command.tunnelId, data: Buffer.of(0x07, 0xdd) } });
    expect((await refused)[0].reason).toMatch(/unreadable tunnel data/);
    expect(events.message).toEqual([]);
  });
});

describe('several tunnels from one Device', () => {
  it('keeps each tunnel a Device opened, so back-to-back alerts over new tunnels all arrive', async () => {
    const { sim, events } = await rig();
    const alerts = Array.from({ length: 100 }, (_, i) => gbcs(`alert ${i}`));
    // No tunnel of the hub's is open to the ESME, so it requests one of its own for each alert.
    for (const alert of alerts) sim.sendGbcs(ESME, alert);
    const deadline = Date.now() + 60_000;
    while (events.message.length < alerts.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events.refused.filter((r) => /noSuchTunnel/.test(r.reason))).toEqual([]);
    expect(events.message.map((m) => m.gbcsBytes.toString()).sort()).toEqual(alerts.map(String).sort());
  }, 90_000);
});

describe('delivery failures on tunnels', () => {
  it('requests a new tunnel after the Device reports that the hub’s tunnel is gone', async () => {
    const { relay, sim, esme } = await rig();
    expect((await relay.relay(ESME, gbcs('first'))).status).toBe('DELIVERED');
    const tunnelId = esme.hubTunnelId!;
    expect(tunnelId).toBe(0x0042);
    const reported = once(relay, 'transferError');
    esme.sendFrame({ sequence: 6, direction: 'serverToClient', command: { kind: 'transferDataError', tunnelId, status: TRANSFER_DATA_STATUS.noSuchTunnel } });
    expect((await reported)[0]).toEqual({ eui64: ESME, tunnelId: 0x0042, status: 'noSuchTunnel' });
    expect((await relay.relay(ESME, gbcs('second'))).status).toBe('DELIVERED');
    expect(esme.frames.filter((f) => f.command.kind === 'requestTunnel')).toHaveLength(2);
    expect(esme.hubTunnelId).not.toBe(tunnelId);
    expect(sim.tunnelled(ESME).map((m) => m.gbcs)).toEqual([gbcs('first'), gbcs('second')]);
  });

  it('keeps a message queued when its GET-RESPONSE is not acknowledged, and hands it out at the next GET', async () => {
    const { relay, sim, gsme, queue } = await rig({ indirectTimeoutMs: 200, gsmeAwakeSeconds: 0.2 });
    const report = await relay.relay(GSME, gbcs('patient'));
    const id = queuedId(report);
    const opened = gsme.next(isResponseTo(7));
    gsme.sendFrame({ sequence: 7, direction: 'clientToServer', command: { kind: 'requestTunnel', ...GBCS_TUNNEL } });
    const { command } = (await opened)!;
    if (command.kind !== 'requestTunnelResponse') throw new Error('unreachable');
    // The GSME falls asleep before the answer to its GET can reach it: the NCP gives up on it.
    await new Promise((resolve) => setTimeout(resolve, sim.scenario.devices.find((d) => d.eui64 === GSME)!.awakeSeconds * 1000 + 50));
    gsme.sendFrame({ sequence: 8, direction: 'clientToServer', command: { kind: 'transferData', tunnelId: command.tunnelId, data: encodeTunnelData({ kind: 'get' }) } }, { wake: false });
    // Long enough for the NCP's 200 ms hold to lapse and its failure to reach the relay.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(sim.received(GSME).filter((m) => m.payload.includes(gbcs('patient')))).toHaveLength(0);
    expect(queue.list(GSME).map((m) => m.id)).toEqual([id]);
    // Awake this time: the same message is handed out and only then reported delivered.
    expect(await gsme.get(command.tunnelId)).toEqual({ kind: 'getResponse', remaining: 0, message: gbcs('patient') });
    expect(await report.outcome).toMatchObject({ id, status: 'DELIVERED' });
  });
});

describe('a Device that leaves the CHF Device Log', () => {
  it('gets nothing more, and its queued messages are reported REMOVED', async () => {
    const { relay, log, sim, events } = await rig();
    expect((await relay.relay(ESME, gbcs('before'))).status).toBe('DELIVERED');
    const queued = await relay.relay(GSME, gbcs('waiting'));
    const id = queuedId(queued);
    for (const eui64 of [ESME, GSME]) {
      await log.remove(eui64);
      await relay.forgetDevice(eui64);
    }
    expect(await queued.outcome).toMatchObject({ id, status: 'REMOVED' });
    expect(events.queueSettled).toEqual([expect.objectContaining({ id, status: 'REMOVED' })]);
    expect(await relay.relay(ESME, gbcs('after'))).toMatchObject({ status: 'NOT_ADMITTED' });
    expect(await relay.relay(GSME, gbcs('after'))).toMatchObject({ status: 'NOT_ADMITTED' });
    expect(sim.tunnelled(ESME).map((m) => m.gbcs)).toEqual([gbcs('before')]);
  });
});
