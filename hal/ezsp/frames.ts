import { V13, V14, type FieldSpec, type FrameSpec } from './frame-spec.js';
import { SECURITY_FRAMES } from './frames-security.js';

export { MAX_EZSP_VERSION, MIN_EZSP_VERSION, type FieldSpec, type FrameSpec } from './frame-spec.js';

/**
 * The EZSP frames this runtime speaks, as data: id, and the parameters of the request (host to
 * NCP) and of the response (NCP to host). A callback has no request; its parameters are listed as
 * its response, because it travels in the NCP-to-host direction.
 *
 * A field with `since`/`until` exists only in those protocol versions (inclusive); where EZSP 14
 * reordered a frame the field is listed twice, once per range, under the same name.
 */
export const FRAMES = {
  // Configuration frames
  version: {
    id: 0x0000,
    kind: 'command',
    request: [{ name: 'desiredProtocolVersion', type: 'uint8' }],
    response: [
      { name: 'protocolVersion', type: 'uint8' },
      { name: 'stackType', type: 'uint8' },
      { name: 'stackVersion', type: 'uint16' },
    ],
  },
  getConfigurationValue: {
    id: 0x0052,
    kind: 'command',
    request: [{ name: 'configId', type: 'uint8' }],
    response: [
      { name: 'status', type: 'status' },
      { name: 'value', type: 'uint16' },
    ],
  },
  setConfigurationValue: {
    id: 0x0053,
    kind: 'command',
    request: [
      { name: 'configId', type: 'uint8' },
      { name: 'value', type: 'uint16' },
    ],
    response: [{ name: 'status', type: 'status' }],
  },
  addEndpoint: {
    id: 0x0002,
    kind: 'command',
    request: [
      { name: 'endpoint', type: 'uint8' },
      { name: 'profileId', type: 'uint16' },
      { name: 'deviceId', type: 'uint16' },
      { name: 'deviceVersion', type: 'uint8' },
      { name: 'clusters', type: 'clusterLists' },
    ],
    response: [{ name: 'status', type: 'status' }],
  },
  setPolicy: {
    id: 0x0055,
    kind: 'command',
    request: [
      { name: 'policyId', type: 'uint8' },
      { name: 'decisionId', type: 'uint8' },
    ],
    response: [{ name: 'status', type: 'status' }],
  },
  getValue: {
    id: 0x00aa,
    kind: 'command',
    request: [{ name: 'valueId', type: 'uint8' }],
    response: [
      { name: 'status', type: 'status' },
      { name: 'value', type: 'payload' },
    ],
  },
  setValue: {
    id: 0x00ab,
    kind: 'command',
    request: [
      { name: 'valueId', type: 'uint8' },
      { name: 'value', type: 'payload' },
    ],
    response: [{ name: 'status', type: 'status' }],
  },
  /** Extended values take a 32-bit characteristics argument (for ENDPOINT_FLAGS, the endpoint). EzspStatus before 14. */
  getExtendedValue: {
    id: 0x0003,
    kind: 'command',
    request: [
      { name: 'valueId', type: 'uint8' },
      { name: 'characteristics', type: 'uint32' },
    ],
    response: [
      { name: 'status', type: 'status' },
      { name: 'value', type: 'payload' },
    ],
  },
  /** The manufacturer code in the NCP's node descriptor; kept in RAM. */
  setManufacturerCode: { id: 0x0015, kind: 'command', request: [{ name: 'code', type: 'uint16' }], response: [] },
  setMulticastTableEntry: {
    id: 0x0064,
    kind: 'command',
    request: [
      { name: 'index', type: 'uint8' },
      { name: 'value', type: 'multicastTableEntry' },
    ],
    response: [{ name: 'status', type: 'status' }],
  },
  /** Counters since the last read, one per EmberCounterType; reading clears them. */
  readAndClearCounters: { id: 0x0065, kind: 'command', request: [], response: [{ name: 'values', type: 'counters' }] },

  // Utilities
  nop: { id: 0x0005, kind: 'command', request: [], response: [] },
  /** Asks the NCP for one pending callback; it answers with the callback frame or noCallbacks. */
  callback: { id: 0x0006, kind: 'command', request: [], response: [] },
  noCallbacks: { id: 0x0007, kind: 'command', request: [], response: [] },
  /** The NCP's answer to a frame it could not parse; `reason` is an EzspStatus. */
  invalidCommand: { id: 0x0058, kind: 'command', request: [], response: [{ name: 'reason', type: 'uint8' }] },
  getEui64: { id: 0x0026, kind: 'command', request: [], response: [{ name: 'eui64', type: 'eui64' }] },
  getNodeId: { id: 0x0027, kind: 'command', request: [], response: [{ name: 'nodeId', type: 'uint16' }] },
  /** The node id the NCP knows for an EUI-64 (0xFFFF when it knows none). */
  lookupNodeIdByEui64: {
    id: 0x0060,
    kind: 'command',
    request: [{ name: 'eui64', type: 'eui64' }],
    response: [{ name: 'nodeId', type: 'uint16' }],
  },
  /** The EUI-64 the NCP knows for a node id, from its address, child and key tables. */
  lookupEui64ByNodeId: {
    id: 0x0061,
    kind: 'command',
    request: [{ name: 'nodeId', type: 'uint16' }],
    response: [
      { name: 'status', type: 'status' },
      { name: 'eui64', type: 'eui64' },
    ],
  },

  // Networking
  networkInit: {
    id: 0x0017,
    kind: 'command',
    request: [{ name: 'bitmask', type: 'uint16' }],
    response: [{ name: 'status', type: 'status' }],
  },
  networkState: { id: 0x0018, kind: 'command', request: [], response: [{ name: 'state', type: 'uint8' }] },
  stackStatusHandler: { id: 0x0019, kind: 'callback', request: [], response: [{ name: 'status', type: 'status' }] },
  startScan: {
    id: 0x001a,
    kind: 'command',
    request: [
      { name: 'scanType', type: 'uint8' },
      { name: 'channelMask', type: 'uint32' },
      { name: 'duration', type: 'uint8' },
    ],
    // sl_status_t in every version this table covers.
    response: [{ name: 'status', type: 'uint32' }],
  },
  energyScanResultHandler: {
    id: 0x0048,
    kind: 'callback',
    request: [],
    response: [
      { name: 'channel', type: 'uint8' },
      { name: 'maxRssiValue', type: 'int8' },
    ],
  },
  scanCompleteHandler: {
    id: 0x001c,
    kind: 'callback',
    request: [],
    response: [
      { name: 'channel', type: 'uint8' },
      { name: 'status', type: 'status' },
    ],
  },
  formNetwork: {
    id: 0x001e,
    kind: 'command',
    request: [{ name: 'parameters', type: 'networkParameters' }],
    response: [{ name: 'status', type: 'status' }],
  },
  leaveNetwork: {
    id: 0x0020,
    kind: 'command',
    request: [{ name: 'options', type: 'uint8', since: V14 }],
    response: [{ name: 'status', type: 'status' }],
  },
  permitJoining: {
    id: 0x0022,
    kind: 'command',
    request: [{ name: 'duration', type: 'uint8' }],
    response: [{ name: 'status', type: 'status' }],
  },
  childJoinHandler: {
    id: 0x0023,
    kind: 'callback',
    request: [],
    response: [
      { name: 'index', type: 'uint8' },
      { name: 'joining', type: 'bool' },
      { name: 'childId', type: 'uint16' },
      { name: 'childEui64', type: 'eui64' },
      { name: 'childType', type: 'uint8' },
    ],
  },
  getNetworkParameters: {
    id: 0x0028,
    kind: 'command',
    request: [],
    response: [
      { name: 'status', type: 'status' },
      { name: 'nodeType', type: 'uint8' },
      { name: 'parameters', type: 'networkParameters' },
    ],
  },
  setConcentrator: {
    id: 0x0010,
    kind: 'command',
    request: [
      { name: 'on', type: 'bool' },
      { name: 'concentratorType', type: 'uint16' },
      { name: 'minTime', type: 'uint16' },
      { name: 'maxTime', type: 'uint16' },
      { name: 'routeErrorThreshold', type: 'uint8' },
      { name: 'deliveryFailureThreshold', type: 'uint8' },
      { name: 'maxHops', type: 'uint8' },
    ],
    response: [{ name: 'status', type: 'status' }],
  },
  /** Many-to-one route requests: off 0, on 1, reschedule 2; answers the milliseconds to the next one. */
  setSourceRouteDiscoveryMode: {
    id: 0x005a,
    kind: 'command',
    request: [{ name: 'mode', type: 'uint8' }],
    response: [{ name: 'remainingTime', type: 'uint32' }],
  },
  setRadioChannel: {
    id: 0x009a,
    kind: 'command',
    request: [{ name: 'channel', type: 'uint8' }],
    response: [{ name: 'status', type: 'status' }],
  },

  // Messaging
  sendUnicast: {
    id: 0x0034,
    kind: 'command',
    request: [
      { name: 'type', type: 'uint8' },
      { name: 'indexOrDestination', type: 'uint16' },
      { name: 'apsFrame', type: 'apsFrame' },
      { name: 'messageTag', type: 'uint8', until: V13 },
      { name: 'messageTag', type: 'uint16', since: V14 },
      { name: 'messageContents', type: 'payload' },
    ],
    response: [
      { name: 'status', type: 'status' },
      { name: 'sequence', type: 'uint8' },
    ],
  },
  /** EZSP 14 added the alias and NWK sequence (for proxied broadcasts) and widened the tag. */
  sendBroadcast: {
    id: 0x0036,
    kind: 'command',
    request: [
      { name: 'alias', type: 'uint16', since: V14 },
      { name: 'destination', type: 'uint16' },
      { name: 'nwkSequence', type: 'uint8', since: V14 },
      { name: 'apsFrame', type: 'apsFrame' },
      { name: 'radius', type: 'uint8' },
      { name: 'messageTag', type: 'uint8', until: V13 },
      { name: 'messageTag', type: 'uint16', since: V14 },
      { name: 'messageContents', type: 'payload' },
    ],
    response: [
      { name: 'status', type: 'status' },
      { name: 'sequence', type: 'uint8' },
    ],
  },
  /** Also how a host acknowledges the blocks of a fragmented message it received (the NCP expects it whatever the reply policy). */
  sendReply: {
    id: 0x0039,
    kind: 'command',
    request: [
      { name: 'sender', type: 'uint16' },
      { name: 'apsFrame', type: 'apsFrame' },
      { name: 'messageContents', type: 'payload' },
    ],
    response: [{ name: 'status', type: 'status' }],
  },
  messageSentHandler: {
    id: 0x003f,
    kind: 'callback',
    request: [],
    response: [
      { name: 'status', type: 'status', since: V14 },
      { name: 'type', type: 'uint8' },
      { name: 'indexOrDestination', type: 'uint16' },
      { name: 'apsFrame', type: 'apsFrame' },
      { name: 'messageTag', type: 'uint8', until: V13 },
      { name: 'messageTag', type: 'uint16', since: V14 },
      { name: 'status', type: 'status', until: V13 },
      { name: 'messageContents', type: 'payload' },
    ],
  },
  incomingMessageHandler: {
    id: 0x0045,
    kind: 'callback',
    request: [],
    response: [
      { name: 'type', type: 'uint8' },
      { name: 'apsFrame', type: 'apsFrame' },
      { name: 'lastHopLqi', type: 'uint8', until: V13 },
      { name: 'lastHopRssi', type: 'int8', until: V13 },
      { name: 'senderShortId', type: 'uint16' },
      { name: 'senderLongId', type: 'eui64', since: V14 },
      { name: 'bindingIndex', type: 'uint8' },
      { name: 'addressIndex', type: 'uint8' },
      { name: 'lastHopLqi', type: 'uint8', since: V14 },
      { name: 'lastHopRssi', type: 'int8', since: V14 },
      { name: 'lastHopTimestamp', type: 'uint32', since: V14 },
      { name: 'messageContents', type: 'payload' },
    ],
  },

  ...SECURITY_FRAMES,
} as const satisfies Record<string, FrameSpec>;

export type FrameName = keyof typeof FRAMES;
export type CommandName = { [N in FrameName]: (typeof FRAMES)[N]['kind'] extends 'command' ? N : never }[FrameName];
export type CallbackName = Exclude<FrameName, CommandName>;

export const FRAME_NAMES = Object.keys(FRAMES) as FrameName[];

const BY_ID = new Map<number, FrameName>(FRAME_NAMES.map((name) => [FRAMES[name].id, name]));

export function frameNameById(id: number): FrameName | undefined {
  return BY_ID.get(id);
}

export function isCallback(name: FrameName): name is CallbackName {
  return FRAMES[name].kind === 'callback';
}

/** The fields a frame carries in one direction in one protocol version, in wire order. */
export function fieldsFor(name: FrameName, direction: 'request' | 'response', version: number): readonly FieldSpec[] {
  const spec: FrameSpec = FRAMES[name];
  return spec[direction].filter(
    (field) => (field.since === undefined || version >= field.since) && (field.until === undefined || version <= field.until),
  );
}
