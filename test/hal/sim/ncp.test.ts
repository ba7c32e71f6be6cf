import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { encodeRequest, EmberNetworkStatus, EmberStatus, EzspStatus, SLStatus } from '../../../hal/ezsp/index.js';
import { parseScenario } from '../../../hal/sim/scenario.js';
import { NETWORK, formed, setUp } from './sim-setup.js';

describe('simulated NCP: version and configuration', () => {
  it('answers the legacy version frame, then the extended one, and refuses other commands before', async () => {
    const { host } = await setUp();
    const early = await host.command('networkState', {});
    expect(early.name).toBe('invalidCommand');
    expect(early.params).toEqual({ reason: EzspStatus.ERROR_VERSION_NOT_SET });
    const legacy = await host.command('version', { desiredProtocolVersion: 13 }, 'legacy');
    expect(legacy.format).toBe('legacy');
    expect(legacy.params).toMatchObject({ protocolVersion: 13, stackType: 2 });
    const extended = await host.command('version', { desiredProtocolVersion: 13 });
    expect(extended.format).toBe('extended');
    expect(await host.call('networkState', {})).toEqual({ state: EmberNetworkStatus.NO_NETWORK });
  });

  it('answers a host that wants another version with its own, and stays unusable until asked for it', async () => {
    const { host } = await setUp({ ezspVersion: 14 });
    const answer = await host.command('version', { desiredProtocolVersion: 13 }, 'legacy');
    expect(answer.params).toMatchObject({ protocolVersion: 14 });
    expect((await host.command('nop', {})).name).toBe('invalidCommand');
    await host.negotiate(14);
    // EZSP 14 statuses are 32-bit sl_status values.
    expect(await host.call('networkInit', { bitmask: 0 })).toEqual({ status: SLStatus.NOT_JOINED });
  });

  it('remembers configuration, policies and values, and refuses unknown frame ids', async () => {
    const { host } = await setUp();
    await host.negotiate();
    expect(await host.call('getConfigurationValue', { configId: 0x12 })).toEqual({ status: 0, value: 7680 });
    expect(await host.call('setConfigurationValue', { configId: 0x12, value: 3000 })).toEqual({ status: 0 });
    expect(await host.call('getConfigurationValue', { configId: 0x12 })).toEqual({ status: 0, value: 3000 });
    expect(await host.call('getConfigurationValue', { configId: 0x7f })).toEqual({ status: EzspStatus.ERROR_INVALID_ID, value: 0 });
    expect(await host.call('setPolicy', { policyId: 0, decisionId: 0x11 })).toEqual({ status: 0 });
    expect(await host.call('setValue', { valueId: 0x24, value: Buffer.from([1, 2]) })).toEqual({ status: 0 });
    expect(await host.call('getValue', { valueId: 0x24 })).toEqual({ status: 0, value: Buffer.from([1, 2]) });
    const unknown = Buffer.from(encodeRequest('nop', {}, 9, 13));
    unknown.writeUInt16LE(0x0fff, 3);
    const refused = await host.raw(unknown);
    expect(refused.name).toBe('invalidCommand');
    expect(refused.params).toEqual({ reason: EzspStatus.ERROR_INVALID_FRAME_ID });
  });
});

describe('simulated NCP: network', () => {
  it('forms a network, reports it, and resumes it from flash after a reset', async () => {
    const { host, sim } = await formed();
    expect(host.received('stackStatusHandler')).toEqual([{ status: EmberStatus.NETWORK_UP }]);
    expect(await host.call('getNodeId', {})).toEqual({ nodeId: 0 });
    expect(await host.call('getEui64', {})).toEqual({ eui64: '00DB123456789000' });
    const parameters = await host.call('getNetworkParameters', {});
    expect(parameters).toMatchObject({ status: 0, nodeType: 1, parameters: { panId: 0x1a62, radioChannel: 15 } });
    expect(await host.call('formNetwork', { parameters: NETWORK })).toEqual({ status: EmberStatus.INVALID_CALL });

    const dropped = once(host.link, 'disconnected');
    await sim.resetNcp();
    expect(String(((await dropped) as [Error])[0].message)).toContain('NCP reset');
    await host.connect();
    await host.negotiate();
    expect(await host.call('networkState', {})).toEqual({ state: EmberNetworkStatus.NO_NETWORK });
    expect(await host.call('networkInit', { bitmask: 0 })).toEqual({ status: EmberStatus.SUCCESS });
    await host.waitFor('stackStatusHandler', 2);
    expect(await host.call('getNetworkParameters', {})).toMatchObject({ parameters: { panId: 0x1a62, radioChannel: 15 } });
  });

  it('says NOT_JOINED to networkInit with nothing in flash, and forgets the network on leave', async () => {
    const { host } = await setUp();
    await host.negotiate();
    expect(await host.call('networkInit', { bitmask: 0 })).toEqual({ status: EmberStatus.NOT_JOINED });
    expect(await host.call('leaveNetwork', { options: 0 })).toEqual({ status: EmberStatus.INVALID_CALL });
    await host.call('formNetwork', { parameters: NETWORK });
    expect(await host.call('leaveNetwork', { options: 0 })).toEqual({ status: EmberStatus.SUCCESS });
    await host.waitFor('stackStatusHandler', 2);
    expect(host.received('stackStatusHandler').map((s) => s.status)).toEqual([EmberStatus.NETWORK_UP, EmberStatus.NETWORK_DOWN]);
    expect(await host.call('networkInit', { bitmask: 0 })).toEqual({ status: EmberStatus.NOT_JOINED });
  });

  it('changes channel, and reports per-channel energy from the scenario', async () => {
    const { host } = await formed();
    expect(await host.call('setRadioChannel', { channel: 27 })).toEqual({ status: EmberStatus.BAD_ARGUMENT });
    expect(await host.call('setRadioChannel', { channel: 20 })).toEqual({ status: 0 });
    expect((await host.call('getNetworkParameters', {})).parameters).toMatchObject({ radioChannel: 20, nwkUpdateId: 1 });
    expect(await host.call('startScan', { scanType: 0, channelMask: (1 << 11) | (1 << 12) | (1 << 25), duration: 3 })).toEqual({ status: 0 });
    await host.waitFor('scanCompleteHandler');
    expect(host.received('energyScanResultHandler')).toEqual([
      { channel: 11, maxRssiValue: -92 },
      { channel: 12, maxRssiValue: -95 },
      { channel: 25, maxRssiValue: -60 },
    ]);
    // 868 MHz pages are refused while the scenario's dual-band option is off.
    expect(await host.call('startScan', { scanType: 0, channelMask: ((28 << 27) | 1) >>> 0, duration: 3 })).toEqual({ status: SLStatus.NOT_SUPPORTED });
  });

  it('scans the 868 MHz band per channel when the scenario turns dual-band on', async () => {
    const scenario = parseScenario('network:\n  dualBand: true\n  subGhzEnergy: { 0: -70, 3: -55 }\ndevices: []\n', 'dual.yaml');
    const { host } = await formed({ scenario });
    const page28 = ((28 << 27) | 0b1011) >>> 0;
    expect(await host.call('startScan', { scanType: 0, channelMask: page28, duration: 3 })).toEqual({ status: 0 });
    await host.waitFor('scanCompleteHandler');
    // Page 28 is reported in the channel byte's top three bits (0b100), the channel in the rest.
    expect(host.received('energyScanResultHandler')).toEqual([
      { channel: 0x80 | 0, maxRssiValue: -70 },
      { channel: 0x80 | 1, maxRssiValue: -95 },
      { channel: 0x80 | 3, maxRssiValue: -55 },
    ]);
    expect(await host.call('startScan', { scanType: 1, channelMask: 1 << 11, duration: 3 })).toEqual({ status: SLStatus.NOT_SUPPORTED });
    expect(await host.call('startScan', { scanType: 0, channelMask: 1 << 3, duration: 3 })).toEqual({ status: SLStatus.INVALID_PARAMETER });
  });
});
