import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  EmberCounterType,
  EmberNodeType,
  EmberStatus,
  EzspExtendedValueId,
  EzspStatus,
  SecManFlag,
  SecManKeyType,
  SLStatus,
  type SecManContext,
} from '../../../hal/ezsp/index.js';
import { encodeFrame } from '../../../hal/ezsp/codec.js';
import type { Logger } from '../../../hal/log.js';
import { decodeReadAttributesResponse, decodeZclFrame } from '../../../hal/zcl/index.js';
import type { RawHost } from './raw-host.js';
import { admit, ESME, eventually, formed, NETWORK, PPMID, setUp } from './sim-setup.js';

/** What a ZigBee host asks of an NCP beyond this hub's own needs, answered with state where the NCP keeps it. */
const ZDO = { profileId: 0, sourceEndpoint: 0, destinationEndpoint: 0, options: 0, groupId: 0, sequence: 0 };
const ENDPOINT = { endpoint: 1, profileId: 0x0104, deviceId: 0x0065, deviceVersion: 1, clusters: { input: [0x0000, 0x0003], output: [0x0702] } };

function context(coreKeyType: number, extra: Partial<SecManContext> = {}): SecManContext {
  return { coreKeyType, keyIndex: 0, derivedType: 0, eui64: '0000000000000000', multiNetworkIndex: 0, flags: 0, psaKeyAlgPermission: 0, ...extra };
}

/** Send a ZDO request to `nodeId` and return the payload of its response (which carries `clusterId | 0x8000`). */
async function zdo(host: RawHost, nodeId: number, clusterId: number, payload: Buffer): Promise<Buffer> {
  const before = host.received('incomingMessageHandler', true).length;
  expect(await host.call('sendUnicast', { type: 0, indexOrDestination: nodeId, apsFrame: { ...ZDO, clusterId }, messageTag: 1, messageContents: payload })).toMatchObject({ status: 0 });
  await eventually(() => host.received('incomingMessageHandler', true).slice(before).some((m) => m.apsFrame.clusterId === (clusterId | 0x8000)));
  return host.received('incomingMessageHandler', true).slice(before).find((m) => m.apsFrame.clusterId === (clusterId | 0x8000))!.messageContents;
}

function capturingLogger(lines: Array<Record<string, unknown>>): Logger {
  const log = (level: string) => (fields: Record<string, unknown> | string, message?: string) =>
    void lines.push(typeof fields === 'string' ? { level, message: fields } : { level, ...fields, message });
  const logger: Logger = { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug'), trace: log('trace'), child: () => logger };
  return logger;
}

describe('simulated NCP: what a ZigBee host sets up', () => {
  it('keeps registered endpoints, the manufacturer code, the multicast table and the concentrator in RAM, and describes itself over ZDO', async () => {
    const { host, sim } = await setUp();
    await host.negotiate();
    const flags = () => host.call('getExtendedValue', { valueId: EzspExtendedValueId.ENDPOINT_FLAGS, characteristics: 1 });
    expect(await flags()).toEqual({ status: EzspStatus.ERROR_INVALID_VALUE, value: Buffer.alloc(2) });
    expect(await host.call('addEndpoint', ENDPOINT)).toEqual({ status: 0 });
    expect(await flags()).toEqual({ status: 0, value: Buffer.from([1, 0]) });
    expect(await host.call('setManufacturerCode', { code: 0x1234 })).toEqual({});
    expect(await host.call('setMulticastTableEntry', { index: 0, value: { multicastId: 901, endpoint: 1, networkIndex: 0 } })).toEqual({ status: 0 });
    expect(await host.call('setMulticastTableEntry', { index: 8, value: { multicastId: 902, endpoint: 1, networkIndex: 0 } })).toEqual({ status: EmberStatus.BAD_ARGUMENT });
    const concentrator = { on: true, concentratorType: 0xfff9, minTime: 10, maxTime: 60, routeErrorThreshold: 3, deliveryFailureThreshold: 1, maxHops: 0 };
    expect(await host.call('setConcentrator', concentrator)).toEqual({ status: 0 });
    expect(await host.call('setSourceRouteDiscoveryMode', { mode: 2 })).toEqual({ remainingTime: 10_000 });
    expect(await host.call('setSourceRouteDiscoveryMode', { mode: 0 })).toEqual({ remainingTime: 0xffffffff });

    await host.call('formNetwork', { parameters: NETWORK });
    const active = await zdo(host, 0x0000, 0x0005, Buffer.from([7, 0, 0]));
    expect(active).toEqual(Buffer.from([7, 0, 0, 0, 1, 1]));
    const simple = await zdo(host, 0x0000, 0x0004, Buffer.from([8, 0, 0, 1]));
    expect(simple.toString('hex')).toBe('080000000e' + '01' + '0401' + '6500' + '01' + '02' + '00000300' + '01' + '0207');
    const node = await zdo(host, 0x0000, 0x0002, Buffer.from([9, 0, 0]));
    expect({ status: node[1], logicalType: node[4]! & 0x07, manufacturer: node.readUInt16LE(7) }).toEqual({ status: 0, logicalType: 0, manufacturer: 0x1234 });
    expect(await zdo(host, 0x0000, 0x0004, Buffer.from([10, 0, 0, 2]))).toEqual(Buffer.from([10, 0x83, 0, 0, 0]));

    // A reset loses RAM: the endpoint has to be registered again.
    const down = once(host.link, 'disconnected');
    await sim.resetNcp();
    await down;
    await host.connect();
    await host.negotiate();
    expect((await flags()).status).toBe(EzspStatus.ERROR_INVALID_VALUE);
  });

  it('exports the keys a host backs up from flash, and clearKeyTable empties the key table', async () => {
    const { host, sim } = await setUp({ ezspVersion: 19 });
    await host.negotiate(19);
    expect(await host.call('getNetworkKeyInfo', {})).toMatchObject({ status: SLStatus.NOT_JOINED, networkKeyInfo: { networkKeySet: false } });
    expect(await host.call('exportKey', { context: context(SecManKeyType.NETWORK) })).toMatchObject({ status: SLStatus.NOT_FOUND });
    const networkKey = Buffer.alloc(16, 0x42);
    const tcLinkKey = Buffer.alloc(16, 0x17);
    const state = { bitmask: 0x0300, preconfiguredKey: tcLinkKey, networkKey, networkKeySequenceNumber: 3, preconfiguredTrustCenterEui64: '0000000000000000' };
    expect(await host.call('setInitialSecurityState', { state })).toEqual({ status: 0 });
    await host.call('formNetwork', { parameters: NETWORK });

    expect(await host.call('getNetworkKeyInfo', {})).toMatchObject({ status: SLStatus.OK, networkKeyInfo: { networkKeySet: true, alternateNetworkKeySet: false, networkKeySequenceNumber: 3 } });
    expect(await host.call('exportKey', { context: context(SecManKeyType.NETWORK) })).toMatchObject({ status: SLStatus.OK, key: networkKey });
    expect(await host.call('exportKey', { context: context(SecManKeyType.NETWORK, { keyIndex: 1 }) })).toMatchObject({ status: SLStatus.NOT_FOUND });
    expect(await host.call('exportKey', { context: context(SecManKeyType.TC_LINK) })).toMatchObject({ status: SLStatus.OK, key: tcLinkKey });

    await admit(host, ESME, sim.device(ESME).spec.installCode);
    expect(sim.join(ESME).joined).toBe(true);
    const { plaintextKey } = await host.call('exportLinkKeyByEui', { eui64: ESME });
    const byEui = context(SecManKeyType.APP_LINK, { eui64: ESME, flags: SecManFlag.EUI_IS_VALID });
    expect(await host.call('exportKey', { context: byEui })).toMatchObject({ status: SLStatus.OK, key: plaintextKey, context: { eui64: ESME } });
    expect(await host.call('clearKeyTable', {})).toEqual({ status: SLStatus.OK });
    expect(await host.call('exportKey', { context: byEui })).toMatchObject({ status: SLStatus.NOT_FOUND });
  });

  it('sends broadcasts, reports them sent, and counts frames until the host reads the counters', async () => {
    const { host } = await formed();
    const apsFrame = { ...ZDO, clusterId: 0x0036 };
    const sent = await host.call('sendBroadcast', { alias: 0, destination: 0xfffc, nwkSequence: 0, apsFrame, radius: 0, messageTag: 9, messageContents: Buffer.from([1, 254, 1]) });
    expect(sent.status).toBe(0);
    const [report] = await host.waitFor('messageSentHandler');
    expect(report).toMatchObject({ status: 0, type: 6, indexOrDestination: 0xfffc, messageTag: 9, apsFrame: { sequence: sent.sequence } });
    expect(await host.call('sendBroadcast', { alias: 0, destination: 0x1234, nwkSequence: 0, apsFrame, radius: 0, messageTag: 10, messageContents: Buffer.alloc(0) })).toMatchObject({ status: EmberStatus.BAD_ARGUMENT });
    const { values } = await host.call('readAndClearCounters', {});
    expect(values[EmberCounterType.APS_DATA_TX_BROADCAST]).toBe(1);
    expect((await host.call('readAndClearCounters', {})).values.every((v) => v === 0)).toBe(true);
  });
});

describe('simulated Devices: what a host interviewing them hears', () => {
  it('announces each Device that joins, reports an end device as a child, and answers ZDO and the Basic cluster', async () => {
    const { host, sim } = await formed();
    await admit(host, PPMID, sim.device(PPMID).spec.installCode);
    const ppmid = sim.join(PPMID);
    if (!ppmid.joined) throw new Error(ppmid.reason);
    const [child] = await host.waitFor('childJoinHandler');
    expect(child).toMatchObject({ joining: true, childId: ppmid.nodeId, childEui64: PPMID, childType: EmberNodeType.END_DEVICE });
    await eventually(() => host.received('incomingMessageHandler', true).some((m) => m.apsFrame.clusterId === 0x0013));
    const announce = host.received('incomingMessageHandler', true).find((m) => m.apsFrame.clusterId === 0x0013)!;
    expect(announce).toMatchObject({ type: 4, senderShortId: ppmid.nodeId });
    expect(announce.messageContents.readUInt16LE(1)).toBe(ppmid.nodeId);
    expect(Buffer.from(announce.messageContents.subarray(3, 11)).reverse().toString('hex').toUpperCase()).toBe(PPMID);

    await admit(host, ESME, sim.device(ESME).spec.installCode);
    const esme = sim.join(ESME);
    if (!esme.joined) throw new Error(esme.reason);
    expect(await zdo(host, esme.nodeId, 0x0005, Buffer.from([3, esme.nodeId & 0xff, esme.nodeId >> 8]))).toEqual(Buffer.from([3, 0, esme.nodeId & 0xff, esme.nodeId >> 8, 1, 1]));
    const node = await zdo(host, esme.nodeId, 0x0002, Buffer.from([4, esme.nodeId & 0xff, esme.nodeId >> 8]));
    expect(node[4]! & 0x07).toBe(1); // a router
    expect(host.received('childJoinHandler')).toHaveLength(1); // a router is no child

    const before = host.received('incomingMessageHandler').length;
    const read = Buffer.from([0x00, 0x21, 0x00, 0x05, 0x00, 0x07, 0x00, 0x99, 0x99]); // Read ModelIdentifier, PowerSource, 0x9999
    const apsFrame = { profileId: 0x0104, clusterId: 0x0000, sourceEndpoint: 1, destinationEndpoint: 1, options: 0, groupId: 0, sequence: 0 };
    await host.call('sendUnicast', { type: 0, indexOrDestination: esme.nodeId, apsFrame, messageTag: 2, messageContents: read });
    await eventually(() => host.received('incomingMessageHandler').length > before);
    const answer = host.received('incomingMessageHandler')[before]!;
    expect(answer.apsFrame).toMatchObject({ profileId: 0x0104, clusterId: 0 });
    const frame = decodeZclFrame(answer.messageContents);
    expect(frame.header).toMatchObject({ sequence: 0x21, commandId: 0x01, direction: 'serverToClient' });
    expect(decodeReadAttributesResponse(frame.payload)).toEqual([
      { attributeId: 5, status: 0, dataType: 0x42, value: 'SIM-ESME' },
      { attributeId: 7, status: 0, dataType: 0x30, value: 1 },
      { attributeId: 0x9999, status: 0x86 },
    ]);
  });
});

describe('simulated NCP: frames it does not answer', () => {
  it('refuses them with invalidCommand and says at warn which frame, by id and name', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const { host } = await setUp({ logger: capturingLogger(lines) });
    await host.negotiate();
    // setRadioPower (0x0099): a real EZSP frame this NCP does not implement.
    const setRadioPower = Buffer.from([0x40, 0x00, 0x01, 0x99, 0x00, 0x05]);
    expect(await host.raw(setRadioPower)).toMatchObject({ name: 'invalidCommand', params: { reason: EzspStatus.ERROR_INVALID_FRAME_ID } });
    const noSuchFrame = Buffer.from([0x41, 0x00, 0x01, 0x77, 0x77]);
    expect(await host.raw(noSuchFrame)).toMatchObject({ name: 'invalidCommand', params: { reason: EzspStatus.ERROR_INVALID_FRAME_ID } });
    // A frame in the table that only an NCP sends, arriving from the host.
    const noCallbacks = encodeFrame({ direction: 'request', name: 'noCallbacks', params: {}, sequence: 0x42 }, 13);
    expect(await host.raw(noCallbacks)).toMatchObject({ name: 'invalidCommand', params: { reason: EzspStatus.ERROR_INVALID_FRAME_ID } });
    const warned = lines.filter((l) => l['level'] === 'warn').map((l) => ({ frameId: l['frameId'], frame: l['frame'] }));
    expect(warned).toEqual([
      { frameId: '0x0099', frame: 'setRadioPower' },
      { frameId: '0x7777', frame: 'unknown' },
      { frameId: '0x0007', frame: 'noCallbacks' },
    ]);
  });
});
