import type { FrameName } from '../../../hal/ezsp/frames.js';
import type { WireTypeName } from '../../../hal/ezsp/wire-types.js';

/**
 * How each frame of our table meets zigbee-herdsman's EZSP layer: which of its methods sends the
 * command, which of our request fields it takes in what order, and which of our response fields
 * its return value carries in what order (or, for a callback, which handler it calls with which
 * arguments). Field values convert between the two representations by wire type only (EUI-64
 * strings, key objects, extended PAN id byte lists), so the layouts meet unaided.
 */
type Params = Record<string, unknown>;

export interface CommandBinding {
  method: string;
  /** Our request fields, in herdsman's argument order; or a function making the arguments. */
  args: readonly string[] | ((p: Params, version: number) => unknown[]);
  /** Our response fields, in the order of herdsman's returned tuple (one name: a plain value). */
  result: readonly string[] | ((returned: unknown, version: number) => Params);
  /** herdsman reads this frame's 8-bit status as an EzspStatus (any failure becomes ZIGBEE_EZSP_ERROR), not an EmberStatus. */
  ezspStatus?: boolean;
  /** Trailing bytes herdsman leaves unread on purpose. */
  unread?: (p: Params) => number;
}

export interface CallbackBinding {
  handler: string;
  /** Our fields, in the order of herdsman's handler arguments; or a function reading them. */
  args: readonly string[] | ((args: unknown[], version: number) => Params);
  unread?: (p: Params) => number;
}

const V14 = 14;

/** herdsman's herdsman-side form of one of our values of wire type `type`. */
export function toHerdsman(type: WireTypeName, value: unknown): unknown {
  switch (type) {
    case 'eui64':
      return `0x${(value as string).toLowerCase()}`;
    case 'key':
      return { contents: value };
    case 'networkParameters': {
      const v = value as Params;
      return { ...v, extendedPanId: [...Buffer.from(v['extendedPanId'] as string, 'hex').reverse()], radioTxPower: (v['radioTxPower'] as number) & 0xff };
    }
    case 'initialSecurityState': {
      const v = value as Params;
      return { ...v, preconfiguredKey: { contents: v['preconfiguredKey'] }, networkKey: { contents: v['networkKey'] }, preconfiguredTrustCenterEui64: toHerdsman('eui64', v['preconfiguredTrustCenterEui64']) };
    }
    case 'secManContext':
      return { ...(value as Params), eui64: toHerdsman('eui64', (value as Params)['eui64']) };
    default:
      return value;
  }
}

/** One of herdsman's values in our form. */
export function fromHerdsman(type: WireTypeName, value: unknown): unknown {
  switch (type) {
    case 'eui64':
      return (value as string).slice(2).toUpperCase();
    case 'key':
      return Buffer.from((value as { contents: Buffer }).contents);
    case 'payload':
      return Buffer.from(value as Buffer);
    case 'networkParameters': {
      const v = value as Params;
      const power = v['radioTxPower'] as number;
      return { ...v, extendedPanId: Buffer.from(v['extendedPanId'] as number[]).reverse().toString('hex').toUpperCase(), radioTxPower: power > 127 ? power - 256 : power };
    }
    case 'secManContext':
      return { ...(value as Params), eui64: fromHerdsman('eui64', (value as Params)['eui64']) };
    default:
      return value;
  }
}

const tuple = (returned: unknown): unknown[] => returned as unknown[];

export const COMMANDS: Partial<Record<FrameName, CommandBinding>> = {
  version: { method: 'ezspVersion', args: ['desiredProtocolVersion'], result: ['protocolVersion', 'stackType', 'stackVersion'] },
  getConfigurationValue: { method: 'ezspGetConfigurationValue', args: ['configId'], result: ['status', 'value'], ezspStatus: true },
  setConfigurationValue: { method: 'ezspSetConfigurationValue', args: ['configId', 'value'], result: ['status'], ezspStatus: true },
  addEndpoint: {
    method: 'ezspAddEndpoint',
    args: (p) => {
      const clusters = p['clusters'] as { input: number[]; output: number[] };
      return [p['endpoint'], p['profileId'], p['deviceId'], p['deviceVersion'], clusters.input, clusters.output];
    },
    result: ['status'],
    ezspStatus: true,
  },
  setPolicy: { method: 'ezspSetPolicy', args: ['policyId', 'decisionId'], result: ['status'], ezspStatus: true },
  getValue: { method: 'ezspGetValue', args: (p) => [p['valueId'], 255], result: (r) => ({ status: tuple(r)[0], value: Buffer.from(tuple(r)[2] as number[]) }), ezspStatus: true },
  setValue: { method: 'ezspSetValue', args: (p) => [p['valueId'], (p['value'] as Buffer).length, [...(p['value'] as Buffer)]], result: ['status'], ezspStatus: true },
  getExtendedValue: {
    method: 'ezspGetExtendedValue',
    args: (p) => [p['valueId'], p['characteristics'], 255],
    result: (r) => ({ status: tuple(r)[0], value: Buffer.from(tuple(r)[2] as number[]) }),
    ezspStatus: true,
  },
  setManufacturerCode: { method: 'ezspSetManufacturerCode', args: ['code'], result: [] },
  setMulticastTableEntry: { method: 'ezspSetMulticastTableEntry', args: ['index', 'value'], result: ['status'] },
  readAndClearCounters: { method: 'ezspReadAndClearCounters', args: [], result: ['values'] },
  nop: { method: 'ezspNop', args: [], result: [] },
  getEui64: { method: 'ezspGetEui64', args: [], result: ['eui64'] },
  getNodeId: { method: 'ezspGetNodeId', args: [], result: ['nodeId'] },
  lookupNodeIdByEui64: { method: 'ezspLookupNodeIdByEui64', args: ['eui64'], result: ['nodeId'] },
  lookupEui64ByNodeId: { method: 'ezspLookupEui64ByNodeId', args: ['nodeId'], result: ['status', 'eui64'] },
  networkInit: { method: 'ezspNetworkInit', args: (p) => [{ bitmask: p['bitmask'] }], result: ['status'] },
  networkState: { method: 'ezspNetworkState', args: [], result: ['state'] },
  startScan: { method: 'ezspStartScan', args: ['scanType', 'channelMask', 'duration'], result: ['status'] },
  formNetwork: { method: 'ezspFormNetwork', args: ['parameters'], result: ['status'] },
  leaveNetwork: { method: 'ezspLeaveNetwork', args: (p, version) => (version >= V14 ? [p['options']] : []), result: ['status'] },
  permitJoining: { method: 'ezspPermitJoining', args: ['duration'], result: ['status'] },
  getNetworkParameters: { method: 'ezspGetNetworkParameters', args: [], result: ['status', 'nodeType', 'parameters'] },
  setConcentrator: {
    method: 'ezspSetConcentrator',
    args: ['on', 'concentratorType', 'minTime', 'maxTime', 'routeErrorThreshold', 'deliveryFailureThreshold', 'maxHops'],
    result: ['status'],
  },
  setSourceRouteDiscoveryMode: { method: 'ezspSetSourceRouteDiscoveryMode', args: ['mode'], result: ['remainingTime'] },
  setRadioChannel: { method: 'ezspSetRadioChannel', args: ['channel'], result: ['status'] },
  sendUnicast: { method: 'ezspSendUnicast', args: ['type', 'indexOrDestination', 'apsFrame', 'messageTag', 'messageContents'], result: ['status', 'sequence'] },
  sendBroadcast: {
    method: 'ezspSendBroadcast',
    args: ['alias', 'destination', 'nwkSequence', 'apsFrame', 'radius', 'messageTag', 'messageContents'],
    result: ['status', 'sequence'],
  },
  sendReply: { method: 'ezspSendReply', args: ['sender', 'apsFrame', 'messageContents'], result: ['status'] },
  setInitialSecurityState: { method: 'ezspSetInitialSecurityState', args: ['state'], result: ['status'] },
  clearTransientLinkKeys: { method: 'ezspClearTransientLinkKeys', args: [], result: [] },
  importTransientKey: { method: 'ezspImportTransientKey', args: ['eui64', 'plaintextKey', 'flags'], result: ['status'] },
  importLinkKey: { method: 'ezspImportLinkKey', args: ['index', 'address', 'plaintextKey'], result: ['status'] },
  exportLinkKeyByEui: {
    method: 'ezspExportLinkKeyByEui',
    args: ['eui64'],
    // EZSP 13 carries the key's index where 14 carries a whole context; herdsman folds the index into a context.
    result: (r, version) => {
      const [status, context, plaintextKey, keyData] = tuple(r) as [number, Params, unknown, Params];
      const ours = fromHerdsman('secManContext', context) as Params;
      return version >= V14
        ? { status, context: ours, plaintextKey: fromHerdsman('key', plaintextKey), keyData }
        : { status, index: ours['keyIndex'], plaintextKey: fromHerdsman('key', plaintextKey), keyData };
    },
  },
  clearKeyTable: { method: 'ezspClearKeyTable', args: [], result: ['status'] },
  getNetworkKeyInfo: { method: 'ezspGetNetworkKeyInfo', args: [], result: ['status', 'networkKeyInfo'] },
  // herdsman reads EZSP 14's echoed context and drops it; its bytes still have to be where the table says.
  exportKey: { method: 'ezspExportKey', args: ['context'], result: ['status', 'key'] },
  removeDevice: { method: 'ezspRemoveDevice', args: ['destShort', 'destLong', 'targetLong'], result: ['status'] },
};

/** herdsman sends `callback` and reads a callback back; `noCallbacks` and `invalidCommand` are checked on their own. */
export const REQUEST_ONLY: readonly FrameName[] = ['callback'];

export const CALLBACKS: Partial<Record<FrameName, CallbackBinding>> = {
  noCallbacks: { handler: 'ezspNoCallbacks', args: [] },
  stackStatusHandler: { handler: 'ezspStackStatusHandler', args: ['status'] },
  energyScanResultHandler: { handler: 'ezspEnergyScanResultHandler', args: ['channel', 'maxRssiValue'] },
  scanCompleteHandler: { handler: 'ezspScanCompleteHandler', args: ['channel', 'status'] },
  childJoinHandler: { handler: 'ezspChildJoinHandler', args: ['index', 'joining', 'childId', 'childEui64', 'childType'] },
  // herdsman asks for the tag only in this callback, so it skips the contents (a length byte and the bytes).
  messageSentHandler: {
    handler: 'ezspMessageSentHandler',
    args: ['status', 'type', 'indexOrDestination', 'apsFrame', 'messageTag'],
    unread: (p) => 1 + (p['messageContents'] as Buffer).length,
  },
  incomingMessageHandler: {
    handler: 'ezspIncomingMessageHandler',
    args: (args, version) => {
      const [type, apsFrame, info, messageContents] = args as [number, Params, Params, Buffer];
      const common = { type, apsFrame, lastHopLqi: info['lastHopLqi'], lastHopRssi: info['lastHopRssi'], senderShortId: info['senderShortId'], bindingIndex: info['bindingIndex'], addressIndex: info['addressIndex'], messageContents: Buffer.from(messageContents) };
      return version >= V14 ? { ...common, senderLongId: fromHerdsman('eui64', info['senderLongId']), lastHopTimestamp: info['lastHopTimestamp'] } : common;
    },
  },
  trustCenterJoinHandler: { handler: 'ezspTrustCenterJoinHandler', args: ['newNodeId', 'newNodeEui64', 'status', 'policyDecision', 'parentOfNewNodeId'] },
  zigbeeKeyEstablishmentHandler: { handler: 'ezspZigbeeKeyEstablishmentHandler', args: ['partner', 'status'] },
};
