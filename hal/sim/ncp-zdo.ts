import type { ApsMessage } from './device.js';
import type { NcpContext } from './ncp-context.js';
import { answerZdo, ZDO_PROFILE, type ZdoNode } from './zdo.js';

/**
 * ZDO for the NCP's own node (0x0000): a host interviews its radio as it does any node, and the
 * NCP answers from what the host registered (addEndpoint, setManufacturerCode).
 */
export const OWN_NODE_ID = 0x0000;

export function ownZdoNode(ncp: NcpContext): ZdoNode {
  return {
    nodeId: OWN_NODE_ID,
    eui64: ncp.options.scenario.network.eui64,
    logicalType: 'coordinator',
    receiverOnWhenIdle: true,
    manufacturerCode: ncp.ram.manufacturerCode,
    endpoints: [...ncp.ram.endpoints.values()].sort((a, b) => a.endpoint - b.endpoint),
  };
}

/** The NCP's answer to a message the host sent to node 0x0000, or undefined when there is none. */
export function answerOwnZdo(ncp: NcpContext, message: ApsMessage): ApsMessage | undefined {
  if (message.profileId !== ZDO_PROFILE) return undefined;
  const answer = answerZdo(ownZdoNode(ncp), message.clusterId, message.payload);
  if (!answer) return undefined;
  return {
    profileId: ZDO_PROFILE,
    clusterId: answer.clusterId,
    sourceEndpoint: message.destinationEndpoint,
    destinationEndpoint: message.sourceEndpoint,
    apsCounter: ncp.ram.nextApsCounter(),
    payload: answer.payload,
  };
}
