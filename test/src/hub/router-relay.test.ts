import { expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { openGbcsHub } from '../../../src/hub/gbcs-hub.js';
import { parseCertificate } from '../../../src/security/certificates.js';
import { TRUSTED_ROLES } from '../../../src/security/credentials.js';
import { RTDS_IDENTITY, rtdsKeystore, vectorNamed } from '../../conformance/harness.js';
import { describeRtds } from '../../helpers/rtds.js';
import { splitIntoBlocks } from '../../../hal/tunnel/block-transfer.js';
import { ESME, rig, temp } from '../han/relay-rig.js';

/**
 * A command for a Device in the CHF Device Log goes over the HAN untouched (the Device, not the
 * hub, holds the keys that authenticate it): through the real relay, to the ESME's tunnel end on
 * the simulated NCP.
 */
describeRtds('router → HAN relay', () => {
  it('relays the RTDS ECS17b command to the ESME byte for byte, and refuses one for a Device outside the log', async () => {
    const { relay, log, sim } = await rig();
    const { secureElement, trustStore } = await rtdsKeystore();
    const hub = await openGbcsHub({ store: temp.store, secureElement, clock: new ManualClock(Date.UTC(2015, 0, 1)), identity: RTDS_IDENTITY, deviceLog: log, relay });
    for (const credential of trustStore.all()) {
      if (credential.role && TRUSTED_ROLES.includes(credential.role)) await hub.credentials.install(parseCertificate(credential.der));
    }
    const command = vectorNamed('ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX').bytes;
    const outcome = await hub.router.process(command);
    expect(outcome).toMatchObject({ kind: 'relayed', to: ESME, report: { eui64: ESME, status: 'DELIVERED' } });
    expect(sim.tunnelled(ESME).map((m) => m.gbcs)).toEqual([command]);
    // Relaying is not accepting: the hub did not authenticate it, so no counter moved.
    expect(hub.counters.lastAccepted('90B3D51F30000002')).toBeUndefined();
    // The same command for a Device the log does not hold (the recipient is before the MAC, so only the address changes).
    const stranger = Buffer.from(command);
    const at = stranger.indexOf(Buffer.from(ESME, 'hex'));
    stranger.set(Buffer.from('00DB1234567890A7', 'hex'), at);
    const refused = await hub.router.process(stranger);
    expect(refused.kind === 'dropped' && refused.refusal.code).toBe('UNKNOWN_RECIPIENT');
    expect(sim.tunnelled(ESME)).toHaveLength(1);
    await hub.stop();
  });
});

describeRtds('router → HAN relay, General Block Transfer', () => {
  it("passes each block of a command too long for one transfer to its Device untouched, by the block's routing header; refuses blocks for the hub itself and blocks that are no command", async () => {
    const { relay, log, sim } = await rig();
    const { secureElement } = await rtdsKeystore();
    const hub = await openGbcsHub({ store: temp.store, secureElement, clock: new ManualClock(Date.UTC(2015, 0, 1)), identity: RTDS_IDENTITY, deviceLog: log, relay });
    const command = vectorNamed('ECS17b_4.1.1_SINGLE_SUCCESS_COMMAND_GBCS.HEX').bytes;
    const routing = { craFlag: 1, originatorCounter: 0x1234n, originator: '90B3D51F30000002', target: ESME, messageCode: 0x0027 };
    const blocks = splitIntoBlocks(command, routing, 40);
    expect(blocks.length).toBeGreaterThan(1);
    for (const block of blocks) expect(await hub.router.process(block)).toMatchObject({ kind: 'relayed', to: ESME, report: { status: 'DELIVERED' } });
    expect(sim.tunnelled(ESME).map((m) => m.gbcs)).toEqual(blocks);

    const [forChf] = splitIntoBlocks(command, { ...routing, target: RTDS_IDENTITY.chf }, 40);
    const [response] = splitIntoBlocks(command, { ...routing, craFlag: 2 }, 40);
    const truncated = blocks[0]!.subarray(0, 30);
    for (const [bytes, code] of [[forChf, 'MALFORMED'], [response, 'NOT_A_COMMAND'], [truncated, 'MALFORMED']] as const) {
      const outcome = await hub.router.process(bytes!);
      expect(outcome.kind === 'dropped' && outcome.refusal.code).toBe(code);
    }
    expect(sim.tunnelled(ESME)).toHaveLength(blocks.length);
    await hub.stop();
  });
});
