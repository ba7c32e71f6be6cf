import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { EmberDeviceUpdate, EmberJoinDecision, EmberKeyStatus, EmberStatus, SLStatus } from '../../../hal/ezsp/index.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import { ESME, INTRUDER, PPMID, admit, formed } from './sim-setup.js';

describe('simulated trust centre', () => {
  it('lets the ESME join with the key from its install code, and hands it a fresh TC link key', async () => {
    const { host, sim } = await formed();
    const installCode = sim.device(ESME).spec.installCode;
    await admit(host, ESME, installCode);
    expect((await host.waitFor('stackStatusHandler', 2))[1]).toEqual({ status: EmberStatus.NETWORK_OPENED });
    const outcome = sim.join(ESME);
    expect(outcome.joined).toBe(true);
    const nodeId = outcome.joined ? outcome.nodeId : -1;
    expect(await host.waitFor('trustCenterJoinHandler')).toEqual([
      {
        newNodeId: nodeId,
        newNodeEui64: ESME,
        status: EmberDeviceUpdate.STANDARD_SECURITY_UNSECURED_JOIN,
        policyDecision: EmberJoinDecision.USE_PRECONFIGURED_KEY,
        parentOfNewNodeId: 0,
      },
    ]);
    expect(await host.waitFor('zigbeeKeyEstablishmentHandler')).toEqual([{ partner: ESME, status: EmberKeyStatus.TC_REQUESTER_VERIFY_KEY_SUCCESS }]);
    const exported = await host.call('exportLinkKeyByEui', { eui64: ESME });
    expect(exported.status).toBe(SLStatus.OK);
    expect(exported.plaintextKey.equals(sim.device(ESME).tcLinkKey!)).toBe(true);
    expect(exported.plaintextKey.equals(linkKeyFromInstallCode(installCode))).toBe(false);
    expect(sim.status().devices.find((d) => d.eui64 === ESME)).toMatchObject({ joined: true, nodeId });
  });

  it('refuses the intruder, whose own install code is not the one the hub was given', async () => {
    const clock = new ManualClock();
    const { host, sim } = await formed({ clock });
    const refusals: string[] = [];
    sim.on('joinRefused', ({ reason }) => refusals.push(reason));
    await admit(host, INTRUDER, sim.device(INTRUDER).spec.declaredInstallCode);
    expect(sim.join(INTRUDER)).toEqual({ joined: false, reason: 'WRONG_KEY' });
    expect(await host.waitFor('trustCenterJoinHandler')).toMatchObject([{ newNodeEui64: INTRUDER, policyDecision: EmberJoinDecision.USE_PRECONFIGURED_KEY }]);
    expect(host.received('zigbeeKeyEstablishmentHandler')).toEqual([]);
    await clock.advance(sim.scenario.aps.keyEstablishmentTimeoutMs);
    expect(await host.waitFor('zigbeeKeyEstablishmentHandler')).toEqual([{ partner: INTRUDER, status: EmberKeyStatus.ESTABLISHMENT_TIMEOUT }]);
    expect((await host.call('exportLinkKeyByEui', { eui64: INTRUDER })).status).toBe(SLStatus.NOT_FOUND);
    expect(sim.device(INTRUDER).joined).toBe(false);
    expect(refusals).toEqual(['WRONG_KEY']);
  });

  it('refuses a device whose transient key belongs to another device', async () => {
    const { host, sim } = await formed();
    await admit(host, PPMID, sim.device(ESME).spec.installCode);
    expect(sim.join(PPMID)).toEqual({ joined: false, reason: 'WRONG_KEY' });
  });

  it('tells the host DENY_JOIN for a device with no transient key', async () => {
    const { host, sim } = await formed();
    expect(await host.call('permitJoining', { duration: 60 })).toEqual({ status: 0 });
    expect(sim.join(PPMID)).toEqual({ joined: false, reason: 'NO_KEY' });
    expect(await host.waitFor('trustCenterJoinHandler')).toMatchObject([{ newNodeEui64: PPMID, policyDecision: EmberJoinDecision.DENY_JOIN }]);
  });

  it('refuses silently while joining is closed, including after the window runs out', async () => {
    const clock = new ManualClock();
    const { host, sim } = await formed({ clock });
    const installCode = sim.device(ESME).spec.installCode;
    expect(await host.call('importTransientKey', { eui64: ESME, plaintextKey: linkKeyFromInstallCode(installCode), flags: 0 })).toEqual({ status: 0 });
    expect(sim.join(ESME)).toEqual({ joined: false, reason: 'JOINING_CLOSED' });
    expect(await host.call('permitJoining', { duration: 30 })).toEqual({ status: 0 });
    await clock.advance(30_000);
    await host.waitFor('stackStatusHandler', 3);
    expect(host.received('stackStatusHandler').map((s) => s.status)).toEqual([EmberStatus.NETWORK_UP, EmberStatus.NETWORK_OPENED, EmberStatus.NETWORK_CLOSED]);
    expect(sim.status().joiningOpen).toBe(false);
    expect(sim.join(ESME)).toEqual({ joined: false, reason: 'JOINING_CLOSED' });
    expect(host.received('trustCenterJoinHandler')).toEqual([]);
  });

  it('forgets transient keys when told to, and the joining window when the NCP resets', async () => {
    const { host, sim } = await formed();
    await admit(host, ESME, sim.device(ESME).spec.installCode);
    expect(await host.call('clearTransientLinkKeys', {})).toEqual({});
    expect(sim.join(ESME)).toEqual({ joined: false, reason: 'NO_KEY' });
    await admit(host, ESME, sim.device(ESME).spec.installCode);
    await sim.resetNcp();
    expect(sim.join(ESME)).toEqual({ joined: false, reason: 'NETWORK_DOWN' });
  });

  it('removes a device: it leaves, its key is forgotten and the host hears DEVICE_LEFT', async () => {
    const { host, sim } = await formed();
    await admit(host, ESME, sim.device(ESME).spec.installCode);
    const outcome = sim.join(ESME);
    const nodeId = outcome.joined ? outcome.nodeId : -1;
    expect(await host.call('removeDevice', { destShort: nodeId, destLong: ESME, targetLong: ESME })).toEqual({ status: 0 });
    expect((await host.waitFor('trustCenterJoinHandler', 2))[1]).toEqual({
      newNodeId: nodeId,
      newNodeEui64: ESME,
      status: EmberDeviceUpdate.DEVICE_LEFT,
      policyDecision: EmberJoinDecision.NO_ACTION,
      parentOfNewNodeId: 0,
    });
    expect(sim.device(ESME).joined).toBe(false);
    expect((await host.call('exportLinkKeyByEui', { eui64: ESME })).status).toBe(SLStatus.NOT_FOUND);
    expect(await host.call('removeDevice', { destShort: nodeId, destLong: ESME, targetLong: ESME })).toEqual({ status: EmberStatus.INVALID_CALL });
  });

  it('lets a removed device resume with the TC link key the host imports for it', async () => {
    const { host, sim } = await formed();
    await admit(host, ESME, sim.device(ESME).spec.installCode);
    sim.join(ESME);
    const oldKey = Buffer.from(sim.device(ESME).tcLinkKey!);
    await host.call('removeDevice', { destShort: 0, destLong: ESME, targetLong: ESME });
    expect(await host.call('importLinkKey', { index: 0, address: ESME, plaintextKey: oldKey })).toEqual({ status: 0 });
    expect(sim.join(ESME).joined).toBe(true);
    expect(sim.device(ESME).tcLinkKey!.equals(oldKey)).toBe(true);
  });
});
