import { EzspStatus, EzspValueId } from '../ezsp/index.js';
import type { CommandHandlers } from './ncp-commands.js';
import type { SimulatedNcp } from './ncp.js';

/**
 * Configuration, policies and values: the NCP accepts and remembers what the host sets (until it
 * resets) and reads back what it remembered.
 */

/** VERSION_INFO: build number, major, minor, patch, special, type (7.4.5.0 GA). */
const VERSION_INFO = Buffer.from([0x00, 0x00, 7, 4, 5, 0, 0xaa]);

function getValue(ncp: SimulatedNcp, valueId: number): Buffer | undefined {
  if (valueId === EzspValueId.VERSION_INFO) return VERSION_INFO;
  return ncp.ram.values.get(valueId);
}

export const CONFIG_HANDLERS: CommandHandlers = {
  nop: () => ({}),
  getConfigurationValue: (ncp, { configId }) => {
    const value = ncp.ram.config.get(configId);
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
    ncp.ram.values.set(valueId, Buffer.from(value));
    return { status: EzspStatus.SUCCESS };
  },
  addEndpoint: (ncp, { endpoint }) => {
    if (ncp.ram.endpoints.has(endpoint)) return { status: EzspStatus.ERROR_INVALID_CALL };
    ncp.ram.endpoints.add(endpoint);
    return { status: EzspStatus.SUCCESS };
  },
  setInitialSecurityState: (ncp, { state }) => {
    ncp.ram.initialSecurity = state;
    return { status: ncp.status('SUCCESS') };
  },
};
