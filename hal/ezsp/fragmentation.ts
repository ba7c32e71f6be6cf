import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../clock.js';
import { HubError } from '../errors.js';

/**
 * ZigBee APS fragmentation as an EmberZNet host does it (the NCP carries single frames only).
 * A long message is cut into blocks, each sent as its own APS unicast with the FRAGMENT option;
 * the APS frame's groupId carries the block's index in its low byte and the number of blocks in
 * its high byte (EmberZNet requires the count on block 0; this runtime puts it on every block so
 * a receiver that missed block 0 still knows the size). Every block carries the APS counter the
 * NCP gave block 0. The receiver acknowledges each window of blocks once it has them all, with a
 * reply whose groupId holds the window's first index (low byte) and a bitmask of the blocks it
 * holds (high byte, bit i = block first+i), as the APS acknowledgement's block bitfield does.
 *
 * Both ends of this runtime (the hub's radio and the simulated devices) use this module, so the
 * window and sizes below are the one agreement between them.
 */

/** EmberApsOption.FRAGMENT. */
export const APS_OPTION_FRAGMENT = 0x8000;

export const FRAGMENTATION = {
  /** Largest APS payload of one unencrypted unicast (EmberZNet's MAXIMUM_APS_PAYLOAD_LENGTH). */
  maxApsPayload: 82,
  /** APS security header (5) and MIC (4). */
  apsEncryptionOverhead: 9,
  /** The APS extended header that carries the block number. */
  apsFragmentOverhead: 2,
  /** Blocks sent before waiting for their acknowledgement, and acknowledged together. At most 8 (one bitmask octet). */
  window: 4,
  /** The block count is one octet. */
  maxBlocks: 0xff,
  /**
   * How long a receiver gives a message to become whole, and remembers the APS counter of one it
   * completed (so a late copy of a block is acknowledged, not taken as new).
   */
  reassemblyTimeoutMs: 10_000,
} as const;

/** The Radio's settings for long messages. */
export interface FragmentationOptions {
  /** Blocks per acknowledged window, 1..8 (default 4); the devices must acknowledge windows of this size or smaller. */
  window?: number;
  /** How long a long message from a device may take to become whole (default 10 s). */
  reassemblyTimeoutMs?: number;
  /** Long messages from devices put together at once (default 8). */
  maxReassemblies?: number;
  /** The longest message accepted from a device, in octets (default 2,048). */
  maxMessageLength?: number;
}

export interface FrameLimits {
  /** The longest payload that goes as one APS frame. */
  singleFrame: number;
  /** The payload of each block of a longer one. */
  blockSize: number;
}

/** What fits one frame, and one block, with or without APS encryption. */
export function frameLimits(encrypted: boolean): FrameLimits {
  const singleFrame = FRAGMENTATION.maxApsPayload - (encrypted ? FRAGMENTATION.apsEncryptionOverhead : 0);
  return { singleFrame, blockSize: singleFrame - FRAGMENTATION.apsFragmentOverhead };
}

export class FragmentationError extends HubError {}

/** Cut `payload` into blocks of `blockSize` (the last may be shorter). */
export function splitIntoBlocks(payload: Buffer, blockSize: number): Buffer[] {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new FragmentationError('FRAGMENT_BAD_BLOCK_SIZE', `block size ${blockSize} is not a positive integer`, { where: 'blockSize' });
  const count = Math.max(1, Math.ceil(payload.length / blockSize));
  if (count > FRAGMENTATION.maxBlocks) {
    throw new FragmentationError('FRAGMENT_TOO_LONG', `${payload.length} octets need ${count} blocks of ${blockSize}; at most ${FRAGMENTATION.maxBlocks}`, { where: 'payload' });
  }
  return Array.from({ length: count }, (_, i) => Buffer.from(payload.subarray(i * blockSize, (i + 1) * blockSize)));
}

export interface BlockNumber {
  index: number;
  total: number;
}

export function encodeBlockGroupId({ index, total }: BlockNumber): number {
  if (!Number.isInteger(total) || total < 1 || total > FRAGMENTATION.maxBlocks) throw new FragmentationError('FRAGMENT_BAD_VALUE', `block count ${total} is not 1..255`, { where: 'total' });
  if (!Number.isInteger(index) || index < 0 || index >= total) throw new FragmentationError('FRAGMENT_BAD_VALUE', `block index ${index} is not 0..${total - 1}`, { where: 'index' });
  return (total << 8) | index;
}

/** Reads a block's groupId; throws a FragmentationError for a count of 0 or an index past the count. */
export function decodeBlockGroupId(groupId: number): BlockNumber {
  const index = groupId & 0xff;
  const total = (groupId >> 8) & 0xff;
  if (total === 0) throw new FragmentationError('FRAGMENT_BAD_GROUP_ID', `groupId 0x${hex4(groupId)} gives no block count`, { where: 'apsFrame.groupId' });
  if (index >= total) throw new FragmentationError('FRAGMENT_BAD_GROUP_ID', `block ${index} of a ${total}-block message`, { where: 'apsFrame.groupId' });
  return { index, total };
}

/** A window acknowledgement: the window's first block and the blocks held (bit i = block first+i). */
export interface BlockAck {
  first: number;
  mask: number;
}

export function encodeAckGroupId({ first, mask }: BlockAck): number {
  if (!Number.isInteger(first) || first < 0 || first > 0xff) throw new FragmentationError('FRAGMENT_BAD_VALUE', `first block ${first} is not 0..255`, { where: 'first' });
  if (!Number.isInteger(mask) || mask < 0 || mask > 0xff) throw new FragmentationError('FRAGMENT_BAD_VALUE', `block mask ${mask} is not 0..255`, { where: 'mask' });
  return (mask << 8) | first;
}

export function decodeAckGroupId(groupId: number): BlockAck {
  return { first: groupId & 0xff, mask: (groupId >> 8) & 0xff };
}

/** The indices an acknowledgement covers. */
export function ackedBlocks({ first, mask }: BlockAck): number[] {
  const blocks: number[] = [];
  for (let bit = 0; bit < 8; bit++) if (mask & (1 << bit)) blocks.push(first + bit);
  return blocks;
}

/** The window a block belongs to: its first index and how many blocks it holds. */
export function windowOf(index: number, total: number, window: number = FRAGMENTATION.window): { first: number; size: number } {
  const first = Math.floor(index / window) * window;
  return { first, size: Math.min(window, total - first) };
}

function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}

// ---- reassembly ---------------------------------------------------------------------------------

export interface ReassemblerOptions {
  clock: Clock;
  /** How long a message may take from its first block heard to its last (default 10 s). */
  timeoutMs?: number;
  /** Messages being put together at once, over all senders (default 8). */
  maxMessages?: number;
  /** The longest message accepted, in octets (default 2,048: a 1,500-octet GB tunnel transfer and its headers fit). */
  maxLength?: number;
  window?: number;
  /** Completed messages remembered per sender (for one timeout), so a late copy of one of their blocks is acknowledged, not taken as new. */
  rememberCompleted?: number;
}

export type BlockVerdict =
  /** Kept; `ack` when this block completed its window. */
  | { kind: 'partial'; ack?: BlockAck }
  /** The last missing block: the whole message, and the acknowledgement of its window. */
  | { kind: 'complete'; payload: Buffer; ack: BlockAck }
  /** A copy of a block already held, or of a message already completed: acknowledge again if its window is whole, deliver nothing. */
  | { kind: 'duplicate'; ack?: BlockAck }
  /** Not taken; nothing is acknowledged, so the sender reports its message undelivered. */
  | { kind: 'refused'; reason: string };

export interface ReassemblyLoss {
  sender: string;
  sequence: number;
  received: number;
  total: number;
  reason: string;
}

export interface ReassemblerEvents {
  /** A message that will never be whole: timed out, or pushed out by a newer one. */
  lost: [loss: ReassemblyLoss];
}

interface Partial {
  sender: string;
  sequence: number;
  total: number;
  blocks: Array<Buffer | undefined>;
  received: number;
  length: number;
  timer: Timer;
}

/**
 * Puts fragmented messages together, per sender and APS counter, with bounded memory: at most
 * `maxMessages` at once (a new one beyond that is refused) and `maxLength` octets each, and a
 * message not whole within `timeoutMs` of its first block is dropped and reported as `lost`.
 */
export class Reassembler extends EventEmitter<ReassemblerEvents> {
  private readonly partial = new Map<string, Partial>();
  private readonly completed = new Map<string, Array<{ sequence: number; total: number; at: number }>>();
  private readonly timeoutMs: number;
  private readonly maxMessages: number;
  private readonly maxLength: number;
  private readonly window: number;
  private readonly remember: number;

  constructor(private readonly options: ReassemblerOptions) {
    super();
    this.timeoutMs = options.timeoutMs ?? FRAGMENTATION.reassemblyTimeoutMs;
    this.maxMessages = options.maxMessages ?? 8;
    this.maxLength = options.maxLength ?? 2048;
    this.window = options.window ?? FRAGMENTATION.window;
    this.remember = options.rememberCompleted ?? 16;
  }

  /** Messages being put together now. */
  get size(): number {
    return this.partial.size;
  }

  accept(sender: string, sequence: number, groupId: number, data: Buffer): BlockVerdict {
    let number: BlockNumber;
    try {
      number = decodeBlockGroupId(groupId);
    } catch (error) {
      return { kind: 'refused', reason: (error as Error).message };
    }
    const { index, total } = number;
    // Remembered only for one timeout: after that the APS counter may have come round to a new message.
    const since = this.options.clock.monotonic() - this.timeoutMs;
    const done = this.completed.get(sender)?.find((c) => c.sequence === sequence && c.total === total && c.at >= since);
    if (done) return { kind: 'duplicate', ack: this.fullAck(index, total) };
    const key = `${sender}/${sequence}`;
    let message = this.partial.get(key);
    if (message && message.total !== total) {
      // The counter came round to a new message of another size: the old one cannot finish now.
      this.drop(message, 'a new message took its APS counter');
      message = undefined;
    }
    if (!message) {
      if (this.partial.size >= this.maxMessages) return { kind: 'refused', reason: `already putting ${this.maxMessages} messages together` };
      message = this.begin(sender, sequence, total);
    }
    if (message.blocks[index]) return { kind: 'duplicate', ack: this.ackIfWhole(message, index) };
    if (message.length + data.length > this.maxLength) {
      this.drop(message, `longer than ${this.maxLength} octets`);
      return { kind: 'refused', reason: `message longer than ${this.maxLength} octets` };
    }
    message.blocks[index] = Buffer.from(data);
    message.received++;
    message.length += data.length;
    if (message.received < total) return { kind: 'partial', ack: this.ackIfWhole(message, index) };
    message.timer.cancel();
    this.partial.delete(key);
    this.rememberDone(sender, sequence, total);
    return { kind: 'complete', payload: Buffer.concat(message.blocks as Buffer[]), ack: this.fullAck(index, total) };
  }

  /** Forget everything (the radio stopped); nothing is reported. */
  clear(): void {
    for (const message of this.partial.values()) message.timer.cancel();
    this.partial.clear();
    this.completed.clear();
  }

  private begin(sender: string, sequence: number, total: number): Partial {
    const message: Partial = {
      sender,
      sequence,
      total,
      blocks: new Array<Buffer | undefined>(total).fill(undefined),
      received: 0,
      length: 0,
      timer: this.options.clock.setTimeout(() => this.drop(message, `not whole within ${this.timeoutMs} ms`), this.timeoutMs),
    };
    this.partial.set(`${sender}/${sequence}`, message);
    return message;
  }

  private drop(message: Partial, reason: string): void {
    message.timer.cancel();
    const key = `${message.sender}/${message.sequence}`;
    if (this.partial.get(key) !== message) return;
    this.partial.delete(key);
    this.emit('lost', { sender: message.sender, sequence: message.sequence, received: message.received, total: message.total, reason });
  }

  private ackIfWhole(message: Partial, index: number): BlockAck | undefined {
    const { first, size } = windowOf(index, message.total, this.window);
    for (let i = first; i < first + size; i++) if (!message.blocks[i]) return undefined;
    return { first, mask: (1 << size) - 1 };
  }

  private fullAck(index: number, total: number): BlockAck {
    const { first, size } = windowOf(index, total, this.window);
    return { first, mask: (1 << size) - 1 };
  }

  private rememberDone(sender: string, sequence: number, total: number): void {
    const list = (this.completed.get(sender) ?? []).filter((c) => c.sequence !== sequence);
    list.push({ sequence, total, at: this.options.clock.monotonic() });
    if (list.length > this.remember) list.shift();
    this.completed.set(sender, list);
  }
}
