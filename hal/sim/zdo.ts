import { eui64ToWire } from '../eui64.js';
import type { Eui64 } from '../radio.js';
import { PROFILE } from '../zcl/index.js';

/**
 * The ZigBee Device Object requests a host asks of a node while it interviews it, and the
 * answers, as bytes: Node_Desc, Active_EP and Simple_Desc, plus the Device_annce a node
 * broadcasts when it joins. Every ZDO frame starts with its transaction sequence number; a
 * response echoes the request's. Both the NCP (for node 0x0000) and the simulated Devices answer
 * through here.
 */
export const ZDO_PROFILE = PROFILE.zdo;
export const ZDO_ENDPOINT = 0;
/** A response's cluster is its request's with this bit set. */
export const ZDO_RESPONSE_BIT = 0x8000;

export const ZDO_CLUSTER = {
  nodeDescriptorRequest: 0x0002,
  simpleDescriptorRequest: 0x0004,
  activeEndpointsRequest: 0x0005,
  deviceAnnounce: 0x0013,
} as const;

export const ZDO_STATUS = { success: 0x00, deviceNotFound: 0x81, invalidEndpoint: 0x82, notActive: 0x83, notSupported: 0x84 } as const;

/** Node descriptor logical types. */
export const LOGICAL_TYPE = { coordinator: 0, router: 1, endDevice: 2 } as const;
export type LogicalType = keyof typeof LOGICAL_TYPE;

/** MAC capability flags (IEEE 802.15.4), as a node announces them. */
const MAC_CAPABILITY = { alternatePanCoordinator: 0x01, fullFunctionDevice: 0x02, mainsPowered: 0x04, receiverOnWhenIdle: 0x08, allocateAddress: 0x80 } as const;

/** Node descriptor fixed fields: the 2.4 GHz band, buffer and transfer sizes, and the server mask's stack revision 22. */
const NODE_DESCRIPTOR = { band2400: 0x40, maxBufferSize: 82, maxTransferSize: 128, stackRevision22: 22 << 9, primaryTrustCentre: 0x0001, networkManager: 0x0040 } as const;

export interface EndpointDescription {
  endpoint: number;
  profileId: number;
  deviceId: number;
  deviceVersion: number;
  clusters: { input: readonly number[]; output: readonly number[] };
}

/** What a node says about itself over ZDO. */
export interface ZdoNode {
  nodeId: number;
  eui64: Eui64;
  logicalType: LogicalType;
  /** False for a sleepy end device. */
  receiverOnWhenIdle: boolean;
  manufacturerCode: number;
  endpoints: readonly EndpointDescription[];
}

export interface ZdoAnswer {
  clusterId: number;
  payload: Buffer;
}

function capabilities(node: ZdoNode): number {
  let flags = MAC_CAPABILITY.allocateAddress;
  if (node.logicalType !== 'endDevice') flags |= MAC_CAPABILITY.fullFunctionDevice | MAC_CAPABILITY.mainsPowered;
  if (node.logicalType === 'coordinator') flags |= MAC_CAPABILITY.alternatePanCoordinator;
  if (node.receiverOnWhenIdle) flags |= MAC_CAPABILITY.receiverOnWhenIdle;
  if (node.logicalType === 'endDevice' && node.receiverOnWhenIdle) flags |= MAC_CAPABILITY.mainsPowered;
  return flags;
}

function nodeDescriptor(node: ZdoNode): Buffer {
  const out = Buffer.alloc(13);
  out[0] = LOGICAL_TYPE[node.logicalType];
  out[1] = NODE_DESCRIPTOR.band2400;
  out[2] = capabilities(node);
  out.writeUInt16LE(node.manufacturerCode, 3);
  out[5] = NODE_DESCRIPTOR.maxBufferSize;
  out.writeUInt16LE(NODE_DESCRIPTOR.maxTransferSize, 6);
  const server = node.logicalType === 'coordinator' ? NODE_DESCRIPTOR.primaryTrustCentre | NODE_DESCRIPTOR.networkManager : 0;
  out.writeUInt16LE(NODE_DESCRIPTOR.stackRevision22 | server, 8);
  out.writeUInt16LE(NODE_DESCRIPTOR.maxTransferSize, 10);
  return out;
}

function simpleDescriptor(endpoint: EndpointDescription): Buffer {
  const { input, output } = endpoint.clusters;
  const out = Buffer.alloc(8 + 2 * input.length + 2 * output.length);
  out[0] = endpoint.endpoint;
  out.writeUInt16LE(endpoint.profileId, 1);
  out.writeUInt16LE(endpoint.deviceId, 3);
  out[5] = endpoint.deviceVersion & 0x0f;
  out[6] = input.length;
  input.forEach((id, i) => out.writeUInt16LE(id, 7 + 2 * i));
  const at = 7 + 2 * input.length;
  out[at] = output.length;
  output.forEach((id, i) => out.writeUInt16LE(id, at + 1 + 2 * i));
  return out;
}

/** tsn, status, nwkAddrOfInterest, then `rest`. */
function withHeader(sequence: number, status: number, nodeId: number, rest: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(4);
  head[0] = sequence;
  head[1] = status;
  head.writeUInt16LE(nodeId, 2);
  return Buffer.concat([head, rest]);
}

function describeEndpoint(node: ZdoNode, sequence: number, endpoint: number | undefined): Buffer {
  // 0 is ZDO's own and 255 the broadcast endpoint; 241..254 are reserved but registrable (Green Power uses 242).
  if (endpoint === undefined || endpoint === 0 || endpoint === 0xff) return withHeader(sequence, ZDO_STATUS.invalidEndpoint, node.nodeId, Buffer.of(0));
  const found = node.endpoints.find((e) => e.endpoint === endpoint);
  if (!found) return withHeader(sequence, ZDO_STATUS.notActive, node.nodeId, Buffer.of(0));
  const descriptor = simpleDescriptor(found);
  return withHeader(sequence, ZDO_STATUS.success, node.nodeId, Buffer.concat([Buffer.of(descriptor.length), descriptor]));
}

/**
 * The node's answer to a ZDO request, or undefined for a frame that wants none (a response, an
 * announcement, a frame too short to carry a sequence number).
 */
export function answerZdo(node: ZdoNode, clusterId: number, request: Buffer): ZdoAnswer | undefined {
  if (clusterId & ZDO_RESPONSE_BIT || clusterId === ZDO_CLUSTER.deviceAnnounce || request.length < 1) return undefined;
  const sequence = request[0]!;
  const clusterOut = clusterId | ZDO_RESPONSE_BIT;
  const asked = request.length >= 3 ? request.readUInt16LE(1) : undefined;
  const aboutUs = asked === node.nodeId;
  switch (clusterId) {
    case ZDO_CLUSTER.nodeDescriptorRequest:
      if (!aboutUs) return { clusterId: clusterOut, payload: withHeader(sequence, ZDO_STATUS.deviceNotFound, asked ?? 0) };
      return { clusterId: clusterOut, payload: withHeader(sequence, ZDO_STATUS.success, node.nodeId, nodeDescriptor(node)) };
    case ZDO_CLUSTER.activeEndpointsRequest: {
      if (!aboutUs) return { clusterId: clusterOut, payload: withHeader(sequence, ZDO_STATUS.deviceNotFound, asked ?? 0, Buffer.of(0)) };
      const endpoints = node.endpoints.map((e) => e.endpoint);
      return { clusterId: clusterOut, payload: withHeader(sequence, ZDO_STATUS.success, node.nodeId, Buffer.from([endpoints.length, ...endpoints])) };
    }
    case ZDO_CLUSTER.simpleDescriptorRequest:
      if (!aboutUs) return { clusterId: clusterOut, payload: withHeader(sequence, ZDO_STATUS.deviceNotFound, asked ?? 0, Buffer.of(0)) };
      return { clusterId: clusterOut, payload: describeEndpoint(node, sequence, request[3]) };
    default:
      return { clusterId: clusterOut, payload: Buffer.of(sequence, ZDO_STATUS.notSupported) };
  }
}

/** Device_annce: the node's new short address, its EUI-64 and its capabilities. */
export function deviceAnnounce(node: ZdoNode, sequence: number): ZdoAnswer {
  const payload = Buffer.alloc(12);
  payload[0] = sequence;
  payload.writeUInt16LE(node.nodeId, 1);
  eui64ToWire(node.eui64).copy(payload, 3);
  payload[11] = capabilities(node);
  return { clusterId: ZDO_CLUSTER.deviceAnnounce, payload };
}
