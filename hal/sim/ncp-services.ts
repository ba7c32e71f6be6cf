import {
  EmberEndpointFlags,
  EmberSourceRouteDiscoveryMode,
  EzspConfigId,
  EzspExtendedValueId,
  EzspStatus,
  FIRST_SL_STATUS_VERSION,
  SLStatus,
} from '../ezsp/index.js';
import { configValue } from './ncp-config.js';
import type { CommandHandlers, NcpContext } from './ncp-context.js';

/**
 * The NCP's housekeeping a ZigBee host drives at start-up and on the hour: the manufacturer code,
 * endpoint flags, the multicast table, the concentrator and its source-route discovery, and the
 * event counters. All of it lives in RAM, as on the NCP, and a reset forgets it.
 */

/** The multicast table holds this many groups unless the host configured a size. */
const DEFAULT_MULTICAST_TABLE_SIZE = 8;
/** What setSourceRouteDiscoveryMode answers when no many-to-one route request is due. */
const NEVER = 0xffffffff;

/** getExtendedValue's status is an EzspStatus before EZSP 14 and an sl_status_t from 14 on. */
function extendedValueStatus(ncp: NcpContext, found: boolean): number {
  if (found) return 0;
  return ncp.version >= FIRST_SL_STATUS_VERSION ? SLStatus.INVALID_PARAMETER : EzspStatus.ERROR_INVALID_VALUE;
}

/** An endpoint's flags: always two bytes, zero (and a failed status) for an endpoint nobody registered. */
function endpointFlags(ncp: NcpContext, endpoint: number): { found: boolean; value: Buffer } {
  const value = Buffer.alloc(2);
  const found = ncp.ram.endpoints.has(endpoint);
  if (found) value.writeUInt16LE(EmberEndpointFlags.ENABLED);
  return { found, value };
}

/** The NCP sent or received an APS frame: count it, and a sent one also moves the network key's frame counter on. */
export function countFrame(ncp: NcpContext, counter: number, sent: boolean): void {
  ncp.ram.count(counter);
  const network = ncp.nvm.network;
  if (sent && network) network.frameCounter = (network.frameCounter + 1) >>> 0;
}

export const SERVICE_HANDLERS: CommandHandlers = {
  setManufacturerCode: (ncp, { code }) => {
    ncp.ram.manufacturerCode = code;
    return {};
  },

  getExtendedValue: (ncp, { valueId, characteristics }) => {
    const { found, value } = valueId === EzspExtendedValueId.ENDPOINT_FLAGS ? endpointFlags(ncp, characteristics) : { found: false, value: Buffer.alloc(0) };
    return { status: extendedValueStatus(ncp, found), value };
  },

  setMulticastTableEntry: (ncp, { index, value }) => {
    const size = configValue(ncp, EzspConfigId.MULTICAST_TABLE_SIZE) ?? DEFAULT_MULTICAST_TABLE_SIZE;
    if (index >= size) return { status: ncp.status('BAD_ARGUMENT') };
    ncp.ram.multicastTable.set(index, { ...value });
    return { status: ncp.status('SUCCESS') };
  },

  setConcentrator: (ncp, { on, concentratorType, minTime, maxTime }) => {
    if (on && (minTime === 0 || maxTime < minTime)) return { status: ncp.status('BAD_ARGUMENT') };
    ncp.ram.concentrator = on ? { type: concentratorType, minTime, maxTime } : undefined;
    return { status: ncp.status('SUCCESS') };
  },

  // The next many-to-one route request goes out minTime after (re)scheduling; none without a concentrator.
  setSourceRouteDiscoveryMode: (ncp, { mode }) => {
    ncp.ram.sourceRouteDiscoveryMode = mode;
    const concentrator = ncp.ram.concentrator;
    if (mode === EmberSourceRouteDiscoveryMode.OFF || !concentrator) return { remainingTime: NEVER };
    return { remainingTime: concentrator.minTime * 1000 };
  },

  readAndClearCounters: (ncp) => {
    const values = [...ncp.ram.counters];
    ncp.ram.counters.fill(0);
    return { values };
  },
};
