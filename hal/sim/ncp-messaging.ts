import { EmberCounterType, EmberIncomingMessageType, EzspConfigId, EmberOutgoingMessageType, encodeResponse, EzspFrameError, type ApsFrame } from '../ezsp/index.js';
import { APS_OPTION_FRAGMENT } from '../ezsp/fragmentation.js';
import type { ApsMessage, SimDevice } from './device.js';
import { configValue } from './ncp-config.js';
import { acknowledgeToDevice, blockToDevice, isBlock } from './ncp-fragments.js';
import { countFrame } from './ncp-services.js';
import { answerOwnZdo, OWN_NODE_ID } from './ncp-zdo.js';
import type { Eui64 } from '../radio.js';
import type { CommandHandlers, NcpContext } from './ncp-context.js';

/**
 * APS unicasts both ways. Hub to device: sendUnicast is answered at once with the APS counter,
 * the device gets the message over the air, and messageSentHandler follows with the outcome (a
 * failure for an unknown or unjoined node, or for a sleepy child that did not poll in time).
 * Device to hub: incomingMessageHandler, acknowledged to the device only once the host's ASH
 * acknowledged the frame that carried it. Blocks of fragmented messages travel the same way; see
 * ncp-fragments.ts for their acknowledgements.
 */

const NO_INDEX = 0xff;
/** What the NCP reports as the link quality of a frame it sent itself. */
const OWN_LQI = 255;

function apsFrameOf(message: ApsMessage): ApsFrame {
  return {
    profileId: message.profileId,
    clusterId: message.clusterId,
    sourceEndpoint: message.sourceEndpoint,
    destinationEndpoint: message.destinationEndpoint,
    options: message.options ?? 0,
    groupId: message.groupId ?? 0,
    sequence: message.apsCounter,
  };
}

interface Outgoing {
  nodeId: number;
  message: ApsMessage;
  messageTag: number;
}

function reportSent(ncp: NcpContext, sent: Outgoing, delivered: boolean): void {
  countFrame(ncp, delivered ? EmberCounterType.APS_DATA_TX_UNICAST_SUCCESS : EmberCounterType.APS_DATA_TX_UNICAST_FAILED, delivered);
  ncp.callback('messageSentHandler', {
    status: ncp.status(delivered ? 'SUCCESS' : 'DELIVERY_FAILED'),
    type: EmberOutgoingMessageType.DIRECT,
    indexOrDestination: sent.nodeId,
    apsFrame: apsFrameOf(sent.message),
    messageTag: sent.messageTag,
    messageContents: sent.message.payload,
  });
}

function hold(ncp: NcpContext, device: SimDevice, sent: Outgoing): void {
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

/** The message reaches the device: a whole one is delivered at once, a block when its window is acknowledged. */
function overTheAir(ncp: NcpContext, device: SimDevice, sent: Outgoing): void {
  if (isBlock(sent.message)) return blockToDevice(ncp, device, sent, (block, delivered) => reportSent(ncp, block, delivered));
  device.deliver(sent.message);
  reportSent(ncp, sent, true);
}

/** A unicast to the NCP's own node: its ZDO answers (the host interviews its own radio so); nothing else is taken. */
function toSelf(ncp: NcpContext, sent: Outgoing): void {
  const answer = answerOwnZdo(ncp, sent.message);
  reportSent(ncp, sent, answer !== undefined);
  if (answer) void messageToHost(ncp, { nodeId: OWN_NODE_ID, eui64: ncp.options.scenario.network.eui64, lqi: OWN_LQI, rssi: 0 }, answer);
}

/** A sleepy child polled: hand over what was held for it. */
export function pollFromDevice(ncp: NcpContext, device: SimDevice): void {
  const held = ncp.ram.held.get(device.eui64) ?? [];
  ncp.ram.held.delete(device.eui64);
  for (const sent of held) {
    sent.timer.cancel();
    overTheAir(ncp, device, sent);
  }
}

/** Who a message to the host comes from, as the NCP heard it. */
export interface Sender {
  nodeId: number;
  eui64: Eui64;
  lqi: number;
  rssi: number;
}

/** Hand one APS message to the host in an incomingMessageHandler; true once the host's ASH acknowledged it. */
export function messageToHost(ncp: NcpContext, sender: Sender, message: ApsMessage): Promise<boolean> {
  let frame: Buffer;
  try {
    frame = encodeResponse(
      'incomingMessageHandler',
      {
        type: message.broadcast ? EmberIncomingMessageType.BROADCAST : EmberIncomingMessageType.UNICAST,
        apsFrame: apsFrameOf(message),
        lastHopLqi: sender.lqi,
        lastHopRssi: sender.rssi,
        senderShortId: sender.nodeId,
        senderLongId: sender.eui64,
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
  countFrame(ncp, message.broadcast ? EmberCounterType.APS_DATA_RX_BROADCAST : EmberCounterType.APS_DATA_RX_UNICAST, false);
  return ncp.toHost(frame);
}

/** The device asks the NCP to get `message` to the host; true once the host holds it. */
export function fromDevice(ncp: NcpContext, device: SimDevice, message: ApsMessage): Promise<boolean> {
  const node = ncp.nvm.node(device.eui64);
  if (!ncp.ram.networkUp || !ncp.linkConnected || !device.joined || !node) return Promise.resolve(false);
  return messageToHost(ncp, { nodeId: node.nodeId, eui64: device.eui64, lqi: device.spec.lqi, rssi: device.spec.rssi }, message);
}

export const MESSAGING_HANDLERS: CommandHandlers = {
  sendUnicast: (ncp, { type, indexOrDestination, apsFrame, messageTag, messageContents }) => {
    if (!ncp.ram.networkUp) return { status: ncp.status('NETWORK_DOWN'), sequence: 0 };
    if (type !== EmberOutgoingMessageType.DIRECT) return { status: ncp.status('BAD_ARGUMENT'), sequence: 0 };
    const block = (apsFrame.options & APS_OPTION_FRAGMENT) !== 0;
    // The NCP numbers a message, and block 0 of a fragmented one; later blocks carry block 0's counter.
    const apsCounter = block && (apsFrame.groupId & 0xff) !== 0 ? apsFrame.sequence : ncp.ram.nextApsCounter();
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
        ...(block ? { options: APS_OPTION_FRAGMENT, groupId: apsFrame.groupId } : {}),
      },
    };
    const node = ncp.nvm.nodeById(indexOrDestination);
    const device = node ? ncp.device(node.eui64) : undefined;
    ncp.soon(() => {
      if (indexOrDestination === OWN_NODE_ID) return toSelf(ncp, sent);
      if (!device?.joined) return reportSent(ncp, sent, false);
      if (!device.isAwake()) return hold(ncp, device, sent);
      overTheAir(ncp, device, sent);
    });
    return { status: ncp.status('SUCCESS'), sequence: apsCounter };
  },
  sendReply: (ncp, { sender, apsFrame }) => {
    if (!ncp.ram.networkUp) return { status: ncp.status('NETWORK_DOWN') };
    const node = ncp.nvm.nodeById(sender);
    const device = node ? ncp.device(node.eui64) : undefined;
    if (!device?.joined) return { status: ncp.status('DELIVERY_FAILED') };
    // Only fragment acknowledgements mean anything here: the simulated devices expect no other replies.
    if (apsFrame.options & APS_OPTION_FRAGMENT) ncp.soon(() => acknowledgeToDevice(device, apsFrame.sequence, apsFrame.groupId));
    return { status: ncp.status('SUCCESS') };
  },
};
