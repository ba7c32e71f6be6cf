import { randomBytes } from 'node:crypto';
import {
  EmberInitialSecurityBitmask,
  EmberNetworkStatus,
  EmberNodeType,
  EzspNetworkScanType,
  SLStatus,
  type EmberNetworkParameters,
} from '../ezsp/index.js';
import type { CommandHandlers, NcpContext } from './ncp-context.js';
import type { StoredNetwork } from './nvm.js';

/** Forming, resuming and leaving the network, its parameters, channel changes and energy scans. */

const ALL_ZERO_EXTENDED_PAN = '0000000000000000';
const NO_EUI64 = '0000000000000000';
/** EmberZNet's "no such node" (EMBER_NULL_NODE_ID). */
const NULL_NODE_ID = 0xffff;
/** EmberZNet's 32-bit channel masks put the channel page in the top five bits. */
const PAGE_SHIFT = 27;
const CHANNEL_BITS = 0x07ffffff;
/** Pages 28..31 are GB's 868 MHz band; a scan result encodes them in the channel byte's top 3 bits. */
const FIRST_SUB_GHZ_PAGE = 28;

function networkUp(ncp: NcpContext): void {
  ncp.ram.networkUp = true;
  ncp.callback('stackStatusHandler', { status: ncp.status('NETWORK_UP') });
  ncp.emit('networkUp');
}

function randomExtendedPanId(ncp: NcpContext): string {
  return Buffer.from(Array.from({ length: 8 }, () => ncp.options.random.below(256))).toString('hex').toUpperCase();
}

function parametersOf(ncp: NcpContext): EmberNetworkParameters {
  const network = ncp.nvm.network;
  if (!network) {
    return { extendedPanId: ALL_ZERO_EXTENDED_PAN, panId: 0, radioTxPower: 0, radioChannel: 0, joinMethod: 0, nwkManagerId: 0, nwkUpdateId: 0, channels: 0 };
  }
  return {
    extendedPanId: network.extendedPanId,
    panId: network.panId,
    radioTxPower: network.radioTxPower,
    radioChannel: network.channel,
    joinMethod: 0,
    nwkManagerId: 0,
    nwkUpdateId: network.nwkUpdateId,
    channels: 1 << network.channel,
  };
}

/**
 * Devices on the network just formed (same PAN ids and key: a coordinator carrying a restored
 * network on) stay joined, and the NCP knows their addresses again, as it would from their
 * traffic; any other device is left on a network that no longer has a coordinator.
 */
function keepOrOrphan(ncp: NcpContext, network: StoredNetwork): void {
  for (const device of ncp.options.devices.values()) {
    if (device.isOn(network) && device.nodeId !== undefined) ncp.nvm.addNode({ eui64: device.eui64, nodeId: device.nodeId });
    else device.left();
  }
}

function validChannel(channel: number): boolean {
  return Number.isInteger(channel) && channel >= 11 && channel <= 26;
}

function energyScan(ncp: NcpContext, channelMask: number): number {
  const page = channelMask >>> PAGE_SHIFT;
  const { network } = ncp.options.scenario;
  const subGhz = page >= FIRST_SUB_GHZ_PAGE;
  if (page !== 0 && !subGhz) return SLStatus.INVALID_PARAMETER;
  if (subGhz && !network.dualBand) return SLStatus.NOT_SUPPORTED;
  const channels: number[] = [];
  for (let channel = 0; channel <= 26; channel++) {
    if (channelMask & CHANNEL_BITS & (1 << channel) && (subGhz || validChannel(channel))) channels.push(channel);
  }
  if (channels.length === 0) return SLStatus.INVALID_PARAMETER;
  ncp.soon(() => {
    for (const channel of channels) {
      const maxRssiValue = subGhz ? (network.subGhzEnergy[channel] ?? network.quietEnergy) : (network.energy[channel] ?? network.quietEnergy);
      const reported = subGhz ? ((page - FIRST_SUB_GHZ_PAGE + 4) << 5) | channel : channel;
      ncp.callback('energyScanResultHandler', { channel: reported, maxRssiValue });
    }
    ncp.callback('scanCompleteHandler', { channel: 0, status: ncp.status('SUCCESS') });
  });
  return SLStatus.OK;
}

export const NETWORK_HANDLERS: CommandHandlers = {
  getEui64: (ncp) => ({ eui64: ncp.options.scenario.network.eui64 }),
  getNodeId: (ncp) => ({ nodeId: ncp.ram.networkUp ? 0x0000 : 0xfffe }),
  // What a restarted host asks before sending to a device that joined before it started.
  lookupNodeIdByEui64: (ncp, { eui64 }) => {
    if (!ncp.ram.networkUp) return { nodeId: NULL_NODE_ID };
    if (eui64 === ncp.options.scenario.network.eui64) return { nodeId: 0x0000 };
    return { nodeId: ncp.nvm.node(eui64)?.nodeId ?? NULL_NODE_ID };
  },
  lookupEui64ByNodeId: (ncp, { nodeId }) => {
    const node = ncp.ram.networkUp ? ncp.nvm.nodeById(nodeId) : undefined;
    return node ? { status: ncp.status('SUCCESS'), eui64: node.eui64 } : { status: ncp.status('INVALID_CALL'), eui64: NO_EUI64 };
  },
  networkState: (ncp) => ({ state: ncp.ram.networkUp ? EmberNetworkStatus.JOINED_NETWORK : EmberNetworkStatus.NO_NETWORK }),

  networkInit: (ncp) => {
    if (ncp.ram.networkUp) return { status: ncp.status('INVALID_CALL') };
    if (!ncp.nvm.network) return { status: ncp.status('NOT_JOINED') };
    networkUp(ncp);
    return { status: ncp.status('SUCCESS') };
  },

  formNetwork: (ncp, { parameters }) => {
    if (ncp.ram.networkUp) return { status: ncp.status('INVALID_CALL') };
    if (!validChannel(parameters.radioChannel)) return { status: ncp.status('BAD_ARGUMENT') };
    const security = ncp.ram.initialSecurity;
    const haveKey = security && (security.bitmask & EmberInitialSecurityBitmask.HAVE_NETWORK_KEY) !== 0;
    ncp.nvm.erase();
    ncp.nvm.network = {
      channel: parameters.radioChannel,
      panId: parameters.panId === 0xffff ? 1 + ncp.options.random.below(0xfffd) : parameters.panId,
      extendedPanId: parameters.extendedPanId === ALL_ZERO_EXTENDED_PAN ? randomExtendedPanId(ncp) : parameters.extendedPanId,
      radioTxPower: parameters.radioTxPower,
      nwkUpdateId: 0,
      networkKey: haveKey ? Buffer.from(security.networkKey) : randomBytes(16),
      networkKeySequenceNumber: haveKey ? security.networkKeySequenceNumber : 0,
      frameCounter: 0,
      trustCentreLinkKey: security ? Buffer.from(security.preconfiguredKey) : randomBytes(16),
    };
    keepOrOrphan(ncp, ncp.nvm.network);
    networkUp(ncp);
    return { status: ncp.status('SUCCESS') };
  },

  leaveNetwork: (ncp) => {
    if (!ncp.ram.networkUp) return { status: ncp.status('INVALID_CALL') };
    ncp.nvm.erase();
    for (const device of ncp.options.devices.values()) device.left();
    ncp.ram.networkUp = false;
    ncp.callback('stackStatusHandler', { status: ncp.status('NETWORK_DOWN') });
    ncp.emit('networkDown');
    return { status: ncp.status('SUCCESS') };
  },

  getNetworkParameters: (ncp) => ({
    status: ncp.status(ncp.ram.networkUp ? 'SUCCESS' : 'NOT_JOINED'),
    nodeType: ncp.ram.networkUp ? EmberNodeType.COORDINATOR : EmberNodeType.UNKNOWN_DEVICE,
    parameters: parametersOf(ncp),
  }),

  setRadioChannel: (ncp, { channel }) => {
    // A dual-band NCP takes a Sub GHz channel as one octet, page in bits 7..5 (4..7 for pages 28..31).
    if (channel >= 0x80 && ncp.options.scenario.network.dualBand) {
      ncp.ram.subGhzChannel = channel;
      return { status: ncp.status('SUCCESS') };
    }
    if (!validChannel(channel)) return { status: ncp.status('BAD_ARGUMENT') };
    const network = ncp.nvm.network;
    if (ncp.ram.networkUp && network) {
      network.channel = channel;
      network.nwkUpdateId = (network.nwkUpdateId + 1) & 0xff;
      ncp.callback('stackStatusHandler', { status: ncp.status('CHANNEL_CHANGED') });
    }
    return { status: ncp.status('SUCCESS') };
  },

  startScan: (ncp, { scanType, channelMask }) => {
    if (scanType !== EzspNetworkScanType.ENERGY_SCAN) return { status: SLStatus.NOT_SUPPORTED };
    return { status: energyScan(ncp, channelMask) };
  },
};
