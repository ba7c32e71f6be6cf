import { V13, V14, type FrameSpec } from './frame-spec.js';

/** The EZSP security frames (keys, the trust centre), a part of the frame table in frames.ts. */
export const SECURITY_FRAMES = {
  setInitialSecurityState: {
    id: 0x0068,
    kind: 'command',
    request: [{ name: 'state', type: 'initialSecurityState' }],
    response: [{ name: 'status', type: 'status' }],
  },
  clearTransientLinkKeys: { id: 0x006b, kind: 'command', request: [], response: [] },
  importTransientKey: {
    id: 0x0111,
    kind: 'command',
    request: [
      { name: 'eui64', type: 'eui64' },
      { name: 'plaintextKey', type: 'key' },
      { name: 'flags', type: 'uint8', until: V13 },
    ],
    response: [{ name: 'status', type: 'uint32' }],
  },
  importLinkKey: {
    id: 0x010e,
    kind: 'command',
    request: [
      { name: 'index', type: 'uint8' },
      { name: 'address', type: 'eui64' },
      { name: 'plaintextKey', type: 'key' },
    ],
    response: [{ name: 'status', type: 'uint32' }],
  },
  /** The key table entry for one EUI-64 (EZSP 13+ has no getKeyTableEntry). */
  exportLinkKeyByEui: {
    id: 0x010d,
    kind: 'command',
    request: [{ name: 'eui64', type: 'eui64' }],
    response: [
      { name: 'status', type: 'uint32', since: V14 },
      { name: 'context', type: 'secManContext', since: V14 },
      { name: 'plaintextKey', type: 'key' },
      { name: 'index', type: 'uint8', until: V13 },
      { name: 'keyData', type: 'apsKeyMetadata' },
      { name: 'status', type: 'uint32', until: V13 },
    ],
  },
  clearKeyTable: { id: 0x00b1, kind: 'command', request: [], response: [{ name: 'status', type: 'status' }] },
  /** Metadata of the network keys; sl_status_t in every version this table covers. */
  getNetworkKeyInfo: {
    id: 0x0116,
    kind: 'command',
    request: [],
    response: [
      { name: 'status', type: 'uint32' },
      { name: 'networkKeyInfo', type: 'networkKeyInfo' },
    ],
  },
  /** A key named by its context (network key, TC link key, ...); EZSP 14 put the status first and echoes the context. */
  exportKey: {
    id: 0x0114,
    kind: 'command',
    request: [{ name: 'context', type: 'secManContext' }],
    response: [
      { name: 'status', type: 'uint32', since: V14 },
      { name: 'key', type: 'key' },
      { name: 'context', type: 'secManContext', since: V14 },
      { name: 'status', type: 'uint32', until: V13 },
    ],
  },
  trustCenterJoinHandler: {
    id: 0x0024,
    kind: 'callback',
    request: [],
    response: [
      { name: 'newNodeId', type: 'uint16' },
      { name: 'newNodeEui64', type: 'eui64' },
      /** EmberDeviceUpdate. */
      { name: 'status', type: 'uint8' },
      /** EmberJoinDecision. */
      { name: 'policyDecision', type: 'uint8' },
      { name: 'parentOfNewNodeId', type: 'uint16' },
    ],
  },
  zigbeeKeyEstablishmentHandler: {
    id: 0x009b,
    kind: 'callback',
    request: [],
    response: [
      { name: 'partner', type: 'eui64' },
      /** EmberKeyStatus. */
      { name: 'status', type: 'uint8' },
    ],
  },
  removeDevice: {
    id: 0x00a8,
    kind: 'command',
    request: [
      { name: 'destShort', type: 'uint16' },
      { name: 'destLong', type: 'eui64' },
      { name: 'targetLong', type: 'eui64' },
    ],
    response: [{ name: 'status', type: 'status' }],
  },
} as const satisfies Record<string, FrameSpec>;
