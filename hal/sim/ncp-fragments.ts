import type { Timer } from '../clock.js';
import { ackedBlocks, APS_OPTION_FRAGMENT, decodeAckGroupId, decodeBlockGroupId, windowOf } from '../ezsp/fragmentation.js';
import type { ApsMessage, SimDevice } from './device.js';
import type { NcpRam } from './ncp-ram.js';
import type { NcpContext } from './ncp-context.js';

/**
 * The NCP's part in fragmented messages (see hal/ezsp/fragmentation.ts). Hub to device: a block
 * that reached the device is reported delivered only when the device acknowledges its window; one
 * not acknowledged within BLOCK_ACK_WAIT_MS is reported failed, as an APS retry that ran out.
 * Device to hub: the host's sendReply carries its window acknowledgement back to the device.
 */

/**
 * How long a block waits for the device's window acknowledgement, counted from the latest block of
 * its window to reach the device (the host's serial line, not the air, sets the pace of a window).
 */
export const BLOCK_ACK_WAIT_MS = 5000;

export interface SentBlock {
  message: ApsMessage;
}

type Report<S extends SentBlock> = (sent: S, delivered: boolean) => void;

/** Blocks on the air awaiting their acknowledgement, per NCP RAM (a reset forgets them, as it forgets their timers). */
type Awaiting = Map<string, { sent: SentBlock; timer: Timer; report: Report<SentBlock> }>;
const awaiting = new WeakMap<NcpRam, Awaiting>();

function awaitingOf(ram: NcpRam): Awaiting {
  let map = awaiting.get(ram);
  if (!map) {
    map = new Map();
    awaiting.set(ram, map);
  }
  return map;
}

const keyOf = (device: SimDevice, apsCounter: number, index: number) => `${device.eui64}/${apsCounter}/${index}`;

/** One block of a hub message goes over the air to `device`; outcomes are reported as the device acknowledges. */
export function blockToDevice<S extends SentBlock>(ncp: NcpContext, device: SimDevice, sent: S, report: Report<S>): void {
  const { message } = sent;
  const { index, total } = decodeBlockGroupId(message.groupId ?? 0);
  const map = awaitingOf(ncp.ram);
  const { first, size } = windowOf(index, total);
  // The window is still coming in: its earlier blocks wait afresh.
  for (let i = first; i < first + size; i++) {
    const entry = map.get(keyOf(device, message.apsCounter, i));
    if (entry) wait(ncp, map, keyOf(device, message.apsCounter, i), entry.sent, entry.report);
  }
  wait(ncp, map, keyOf(device, message.apsCounter, index), sent, report as Report<SentBlock>);
  const ack = device.deliverBlock(message);
  if (!ack) return;
  for (const acked of ackedBlocks(ack)) {
    const entry = map.get(keyOf(device, message.apsCounter, acked));
    if (!entry) continue;
    entry.timer.cancel();
    map.delete(keyOf(device, message.apsCounter, acked));
    entry.report(entry.sent, true);
  }
}

function wait(ncp: NcpContext, map: Awaiting, key: string, sent: SentBlock, report: Report<SentBlock>): void {
  map.get(key)?.timer.cancel();
  const timer = ncp.ram.later(() => {
    if (map.get(key)?.timer !== timer) return;
    map.delete(key);
    report(sent, false);
  }, BLOCK_ACK_WAIT_MS);
  map.set(key, { sent, timer, report });
}

/** The host acknowledged a window of `device`'s blocks (sendReply with the FRAGMENT option). */
export function acknowledgeToDevice(device: SimDevice, apsCounter: number, groupId: number): void {
  // A device awaiting an acknowledgement keeps its receiver on, so even a sleepy one hears it.
  device.blocksAcknowledged(apsCounter, decodeAckGroupId(groupId));
}

export function isBlock(message: ApsMessage): boolean {
  return ((message.options ?? 0) & APS_OPTION_FRAGMENT) !== 0;
}
