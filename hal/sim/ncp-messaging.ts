import { EmberIncomingMessageType, EzspConfigId, EmberOutgoingMessageType, encodeResponse, EzspFrameError, type ApsFrame } from '../ezsp/index.js';
import type { ApsMessage, SimDevice } from './device.js';
import { configValue } from './ncp-config.js';
import type { CommandHandlers } from './ncp-commands.js';
import type { SimulatedNcp } from './ncp.js';

/**
 * APS unicasts both ways. Hub to device: sendUnicast is answered at once with the APS counter,
 * the device gets the message over the air, and messageSentHandler follows with the outcome (a
 * failure for an unknown or unjoined node, or for a sleepy child that did not poll in time).
 * Device to hub: incomingMessageHandler, acknowledged to the device only once the host's ASH
 * acknowledged the frame that carried it.
 */

const NO_INDEX = 0xff;

function apsFrameOf(message: ApsMessage): ApsFrame {
  return {
    profileId: message.profileId,
    clusterId: message.clusterId,
    sourceEndpoint: message.sourceEndpoint,
    destinationEndpoint: message.destinationEndpoint,
    options: 0,
    groupId: 0,
    sequence: message.apsCounter,
  };
}

interface Outgoing {
  nodeId: number;
  message: ApsMessage;
  messageTag: number;
}

function reportSent(ncp: SimulatedNcp, sent: Outgoing, delivered: boolean): void {
  ncp.callback('messageSentHandler', {
    status: ncp.status(delivered ? 'SUCCESS' : 'DELIVERY_FAILED'),
    type: EmberOutgoingMessageType.DIRECT,
    indexOrDestination: sent.nodeId,
    apsFrame: apsFrameOf(sent.message),
    messageTag: sent.messageTag,
    messageContents: sent.message.payload,
  });
}

function hold(ncp: SimulatedNcp, device: SimDevice, sent: Outgoing): void {
  const queue = ncp.ram.held.get(device.eui64) ?? [];
  const timer = ncp.ram.later(() => {
    const held = ncp.ram.held.get(device.eui64) ?? [];
    const at = held.findIndex((h) => h.timer === timer);
    if (at < 0) return;
    held.splice(at, 1);
    reportSent(ncp, sent, false);
  }, configValue(ncp, EzspConfigId.INDIRECT_TRANSMISSION_TIMEOUT)!);
  queue.push({ ...sent, timer });
  ncp.ram.held.set(device.eui64, queue);
}

/** A sleepy child polled: hand over what was held for it. */
export function pollFromDevice(ncp: SimulatedNcp, device: SimDevice): void {
  const held = ncp.ram.held.get(device.eui64) ?? [];
  ncp.ram.held.delete(device.eui64);
  for (const sent of held) {
    sent.timer.cancel();
    device.deliver(sent.message);
    reportSent(ncp, sent, true);
  }
}

/** The device asks the NCP to get `message` to the host; true once the host holds it. */
export function fromDevice(ncp: SimulatedNcp, device: SimDevice, message: ApsMessage): Promise<boolean> {
  const node = ncp.nvm.node(device.eui64);
  if (!ncp.ram.networkUp || !ncp.linkConnected || !device.joined || !node) return Promise.resolve(false);
  let frame: Buffer;
  try {
    frame = encodeResponse(
      'incomingMessageHandler',
      {
        type: EmberIncomingMessageType.UNICAST,
        apsFrame: apsFrameOf(message),
        lastHopLqi: device.spec.lqi,
        lastHopRssi: device.spec.rssi,
        senderShortId: node.nodeId,
        senderLongId: device.eui64,
        bindingIndex: NO_INDEX,
        addressIndex: NO_INDEX,
        lastHopTimestamp: 0,
        messageContents: message.payload,
      },
      ncp.ram.lastSequence,
      ncp.version,
    );
  } catch (error) {
    if (error instanceof EzspFrameError) return Promise.resolve(false);
    throw error;
  }
  return ncp.toHost(frame);
}

export const MESSAGING_HANDLERS: CommandHandlers = {
  sendUnicast: (ncp, { type, indexOrDestination, apsFrame, messageTag, messageContents }) => {
    if (!ncp.ram.networkUp) return { status: ncp.status('NETWORK_DOWN'), sequence: 0 };
    if (type !== EmberOutgoingMessageType.DIRECT) return { status: ncp.status('BAD_ARGUMENT'), sequence: 0 };
    const apsCounter = ncp.ram.nextApsCounter();
    const sent: Outgoing = {
      nodeId: indexOrDestination,
      messageTag,
      message: {
        profileId: apsFrame.profileId,
        clusterId: apsFrame.clusterId,
        sourceEndpoint: apsFrame.sourceEndpoint,
        destinationEndpoint: apsFrame.destinationEndpoint,
        apsCounter,
        payload: Buffer.from(messageContents),
      },
    };
    const node = ncp.nvm.nodeById(indexOrDestination);
    const device = node ? ncp.device(node.eui64) : undefined;
    ncp.soon(() => {
      if (!device?.joined) return reportSent(ncp, sent, false);
      if (!device.isAwake()) return hold(ncp, device, sent);
      device.deliver(sent.message);
      reportSent(ncp, sent, true);
    });
    return { status: ncp.status('SUCCESS'), sequence: apsCounter };
  },
};
