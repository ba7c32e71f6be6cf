import { CLUSTER, PROFILE } from '../zcl/constants.js';
import type { Logger } from '../log.js';
import { RadioError } from '../radio.js';
import { EmberNetworkInitBitmask, EzspConfigId, EzspDecisionBitmask, EzspDecisionId, EzspPolicyId } from './enums.js';
import type { EzspCommander } from './host.js';

/** What the hub sets on its NCP at every start: endpoints it registers, configuration values over the defaults. */
export interface NcpSetup {
  endpoints?: Array<{ endpoint: number; profileId: number; deviceId: number; input: number[]; output: number[] }>;
  configuration?: Record<number, number>;
}

/** The clusters the hub's endpoint serves and uses on the HAN. */
const HUB_CLUSTERS = [CLUSTER.basic, CLUSTER.tunneling, CLUSTER.keyEstablishment];
/** Smart Energy's device id for an Energy Service Interface (the Communications Hub). */
const ESI_DEVICE_ID = 0x0500;
const DEFAULT_ENDPOINTS = [{ endpoint: 1, profileId: PROFILE.smartEnergy, deviceId: ESI_DEVICE_ID, input: HUB_CLUSTERS, output: HUB_CLUSTERS }];
const DEFAULT_CONFIGURATION: Record<number, number> = {
  [EzspConfigId.STACK_PROFILE]: 2,
  [EzspConfigId.SECURITY_LEVEL]: 5,
  [EzspConfigId.TRANSIENT_KEY_TIMEOUT_S]: 300,
};

/**
 * Bring a freshly negotiated NCP to the hub's settings (configuration, trust-centre policies with
 * install-code-only joining, endpoints) and resume its network: true when one was resumed.
 */
export async function setUpNcp(ezsp: EzspCommander, setup: NcpSetup, log: Logger): Promise<boolean> {
  const configuration = { ...DEFAULT_CONFIGURATION, ...setup.configuration };
  for (const [configId, value] of Object.entries(configuration)) {
    const { status } = await ezsp.command('setConfigurationValue', { configId: Number(configId), value });
    if (status !== 0) log.warn({ configId, status }, 'NCP refused a configuration value');
  }
  const policies: Array<[number, number]> = [
    [EzspPolicyId.TRUST_CENTER_POLICY, EzspDecisionBitmask.ALLOW_JOINS | EzspDecisionBitmask.JOINS_USE_INSTALL_CODE_KEY],
    [EzspPolicyId.TC_KEY_REQUEST_POLICY, EzspDecisionId.ALLOW_TC_KEY_REQUEST_AND_GENERATE_NEW_KEY],
    [EzspPolicyId.APP_KEY_REQUEST_POLICY, EzspDecisionId.DENY_APP_KEY_REQUESTS],
    [EzspPolicyId.MESSAGE_CONTENTS_IN_CALLBACK_POLICY, EzspDecisionId.MESSAGE_TAG_ONLY_IN_CALLBACK],
  ];
  for (const [policyId, decisionId] of policies) {
    const { status } = await ezsp.command('setPolicy', { policyId, decisionId });
    if (status !== 0) throw new RadioError('RADIO_COMMAND_FAILED', `NCP refused policy ${policyId}`, { where: 'EZSP setPolicy' });
  }
  for (const e of setup.endpoints ?? DEFAULT_ENDPOINTS) {
    await ezsp.command('addEndpoint', {
      endpoint: e.endpoint,
      profileId: e.profileId,
      deviceId: e.deviceId,
      deviceVersion: 0,
      clusters: { input: e.input, output: e.output },
    });
  }
  const { status } = await ezsp.command('networkInit', { bitmask: EmberNetworkInitBitmask.PARENT_INFO_IN_TOKEN });
  return status === 0;
}
