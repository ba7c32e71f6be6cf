import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { encodeTunnelData } from '../../../hal/tunnel/header.js';
import { GBCS_TUNNEL, TUNNEL_STATUS } from '../../../hal/tunnel/protocol.js';
import { ESME, gbcs, rig } from './relay-rig.js';

/**
 * Type 2 Devices receive data and send nothing that changes state (role-policy.ts): the relay
 * refuses their tunnel requests and tunnelled messages and records each in the Security Log. The
 * simulated ESME plays the Device, held in the Device Log as Type 2 or as a meter.
 */
describe('a receive-only (Type 2) Device on the HAN', () => {
  it('is refused a tunnel to the hub, with a Security Log record, and its message goes nowhere', async () => {
    const { esme, relay, events, securityRecords } = await rig({ esmeType: 'Type2' });
    const answered = esme.next((f) => f.sequence === 9 && f.command.kind === 'requestTunnelResponse');
    const refused = once(relay, 'refused');
    esme.sendFrame({ sequence: 9, direction: 'clientToServer', command: { kind: 'requestTunnel', ...GBCS_TUNNEL } });
    expect((await answered)!.command).toMatchObject({ status: TUNNEL_STATUS.protocolNotSupported });
    expect((await refused)[0]).toMatchObject({ eui64: ESME, reason: expect.stringMatching(/requestTunnel from a receive-only/) });
    expect(securityRecords).toEqual([{ code: 'RECEIVE_ONLY_DEVICE_SENT', eui64: ESME, reason: expect.stringMatching(/Type 2/) }]);
    expect(relay.tunnels.serverTunnel(0x0001)).toBeUndefined();
    expect(events.message).toEqual([]);
  });

  it('still receives what the hub relays, but what it sends back on the hub’s tunnel is refused and recorded', async () => {
    const { esme, relay, events, securityRecords, sim } = await rig({ esmeType: 'Type2' });
    expect((await relay.relay(ESME, gbcs('price'))).status).toBe('DELIVERED');
    expect(sim.tunnelled(ESME).map((m) => m.gbcs)).toEqual([gbcs('price')]);
    const refused = once(relay, 'refused');
    esme.sendFrame({ direction: 'serverToClient', command: { kind: 'transferData', tunnelId: esme.hubTunnelId!, data: encodeTunnelData({ kind: 'message', message: gbcs('command') }) } });
    expect((await refused)[0].reason).toMatch(/transferData from a receive-only/);
    expect(securityRecords.map((r) => r.code)).toEqual(['RECEIVE_ONLY_DEVICE_SENT']);
    expect(events.message).toEqual([]);
  });

  it('as a meter (Type 1) the same Device opens its tunnel and its message goes up', async () => {
    const { esme, relay, events, securityRecords } = await rig();
    const up = once(relay, 'message');
    esme.sendGbcs(gbcs('alert'));
    expect((await up)[0]).toEqual({ eui64: ESME, gbcsBytes: gbcs('alert') });
    expect(securityRecords).toEqual([]);
    expect(events.refused).toEqual([]);
  });
});
