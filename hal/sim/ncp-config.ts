import { EzspConfigId, EzspStatus, EzspValueId } from '../ezsp/index.js';
import type { CommandHandlers, NcpContext } from './ncp-context.js';

/**
 * Configuration, policies and values: the NCP accepts and remembers what the host sets (until it
 * resets) and reads back what it remembered.
 */

/** VERSION_INFO: build number, major, minor, patch, special, type (7.4.5.0 GA). */
const VERSION_INFO = Buffer.from([0x00, 0x00, 7, 4, 5, 0, 0xaa]);

/** What a freshly booted simulated NCP reports for configuration it was not given (EmberZNet-like values). */
const CONFIG_DEFAULTS: ReadonlyMap<number, number> = new Map([
  [EzspConfigId.PACKET_BUFFER_HEAP_SIZE, 0x800],
  [EzspConfigId.NEIGHBOR_TABLE_SIZE, 16],
  [EzspConfigId.APS_UNICAST_MESSAGE_COUNT, 10],
  [EzspConfigId.ADDRESS_TABLE_SIZE, 8],
  [EzspConfigId.STACK_PROFILE, 2],
  [EzspConfigId.SECURITY_LEVEL, 5],
  [EzspConfigId.MAX_HOPS, 30],
  [EzspConfigId.MAX_END_DEVICE_CHILDREN, 6],
  [EzspConfigId.TRUST_CENTER_ADDRESS_CACHE_SIZE, 2],
  [EzspConfigId.SOURCE_ROUTE_TABLE_SIZE, 7],
  [EzspConfigId.KEY_TABLE_SIZE, 12],
  [EzspConfigId.APS_ACK_TIMEOUT, 1600],
  [EzspConfigId.SUPPORTED_NETWORKS, 1],
  [EzspConfigId.TRANSIENT_KEY_TIMEOUT_S, 300],
]);

/** A configuration value as the NCP now holds it: what the host set, else the boot default. */
export function configValue(ncp: NcpContext, configId: number): number | undefined {
  const set = ncp.ram.config.get(configId);
  if (set !== undefined) return set;
  // The scenario says how long this NCP holds messages for sleepy children unless the host says otherwise.
  if (configId === EzspConfigId.INDIRECT_TRANSMISSION_TIMEOUT) return ncp.options.scenario.aps.indirectTimeoutMs;
  return CONFIG_DEFAULTS.get(configId);
}

function getValue(ncp: NcpContext, valueId: number): Buffer | undefined {
  if (valueId === EzspValueId.VERSION_INFO) return VERSION_INFO;
  return ncp.ram.values.get(valueId);
}

export const CONFIG_HANDLERS: CommandHandlers = {
  nop: () => ({}),
  getConfigurationValue: (ncp, { configId }) => {
    const value = configValue(ncp, configId);
    return value === undefined ? { status: EzspStatus.ERROR_INVALID_ID, value: 0 } : { status: EzspStatus.SUCCESS, value };
  },
  setConfigurationValue: (ncp, { configId, value }) => {
    ncp.ram.config.set(configId, value);
    return { status: EzspStatus.SUCCESS };
  },
  setPolicy: (ncp, { policyId, decisionId }) => {
    ncp.ram.policies.set(policyId, decisionId);
    return { status: EzspStatus.SUCCESS };
  },
  getValue: (ncp, { valueId }) => {
    const value = getValue(ncp, valueId);
    return value ? { status: EzspStatus.SUCCESS, value } : { status: EzspStatus.ERROR_INVALID_ID, value: Buffer.alloc(0) };
  },
  setValue: (ncp, { valueId, value }) => {
    // The outgoing NWK frame counter lives in flash with the network it counts for.
    if (valueId === EzspValueId.NWK_FRAME_COUNTER) {
      if (!ncp.nvm.network || value.length !== 4) return { status: EzspStatus.ERROR_INVALID_CALL };
      ncp.nvm.network.frameCounter = Buffer.from(value).readUInt32LE(0);
      return { status: EzspStatus.SUCCESS };
    }
    ncp.ram.values.set(valueId, Buffer.from(value));
    return { status: EzspStatus.SUCCESS };
  },
  addEndpoint: (ncp, { endpoint, profileId, deviceId, deviceVersion, clusters }) => {
    if (ncp.ram.endpoints.has(endpoint)) return { status: EzspStatus.ERROR_INVALID_CALL };
    ncp.ram.endpoints.set(endpoint, { endpoint, profileId, deviceId, deviceVersion, clusters: { input: [...clusters.input], output: [...clusters.output] } });
    return { status: EzspStatus.SUCCESS };
  },
  setInitialSecurityState: (ncp, { state }) => {
    ncp.ram.initialSecurity = state;
    return { status: ncp.status('SUCCESS') };
  },
};
