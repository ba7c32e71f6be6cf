import type { ApsAddress } from '../radio.js';
import type { ApsFrame } from './wire-types.js';
import { APS_OPTION_FRAGMENT, encodeBlockGroupId, FRAGMENTATION, splitIntoBlocks, windowOf } from './fragmentation.js';
import type { TransmitResult } from './unicast-queue.js';

/**
 * Sends one long message as blocks (see fragmentation.ts), a window at a time: each block is its
 * own sendUnicast under its own message tag, and the next window goes once the NCP has reported
 * every block of this one delivered (the receiver's window acknowledgement). The Outbox sees the
 * whole message as one, under its own tag, which this settles once: delivered when the last block
 * is acknowledged, undelivered at the first block that is not. A message the Outbox lets go of
 * (timed out, or to be sent again after an NCP reset) stops here too.
 */

/** sendUnicast attempts for one block (after block 0) whose command failed underneath. */
const BLOCK_SEND_ATTEMPTS = 3;

export interface BlockSendResult {
  result: TransmitResult;
  /** The APS counter the NCP gave the frame (meaningful for block 0 only). */
  sequence: number;
}

export interface FragmentSenderDeps {
  /** sendUnicast of one block under `tag`; rejects when the link fails underneath. */
  sendBlock(nodeId: number, apsFrame: ApsFrame, tag: number, data: Buffer): Promise<BlockSendResult>;
  nextTag(): number;
  /** The whole message's final word, under the Outbox's tag for it. */
  settle(tag: number, delivered: boolean, detail: string): void;
}

interface Transfer {
  tag: number;
  nodeId: number;
  address: ApsAddress;
  options: number;
  blocks: Buffer[];
  sequence: number;
  acked: boolean[];
  done: boolean;
}

export class FragmentSender {
  private readonly transfers = new Map<number, Transfer>();
  /** Block tags, kept after their transfer ends so a late report of one is recognised and dropped. */
  private readonly blockTags = new Map<number, { transfer: Transfer; index: number }>();

  constructor(
    private readonly deps: FragmentSenderDeps,
    private readonly window: number = FRAGMENTATION.window,
  ) {}

  /** Messages being sent in blocks now. */
  get size(): number {
    return this.transfers.size;
  }

  /** Start sending `payload` in blocks of `blockSize`; resolves with the NCP's answer to the first window. */
  async start(tag: number, nodeId: number, address: ApsAddress, options: number, payload: Buffer, blockSize: number): Promise<TransmitResult> {
    let blocks: Buffer[];
    try {
      blocks = splitIntoBlocks(payload, blockSize);
    } catch (error) {
      return { kind: 'failed', detail: (error as Error).message };
    }
    const transfer: Transfer = { tag, nodeId, address, options, blocks, sequence: 0, acked: blocks.map(() => false), done: false };
    this.transfers.set(tag, transfer);
    let result: TransmitResult;
    try {
      result = await this.sendWindow(transfer, 0);
    } catch (error) {
      this.end(transfer);
      throw error;
    }
    if (result.kind !== 'accepted') this.end(transfer);
    return result;
  }

  /** messageSentHandler: true when `tag` was one of this sender's blocks (the Outbox must not see it). */
  blockSent(tag: number, delivered: boolean, detail: string): boolean {
    const entry = this.blockTags.get(tag);
    if (!entry) return false;
    this.blockTags.delete(tag);
    const { transfer, index } = entry;
    if (transfer.done) return true;
    const total = transfer.blocks.length;
    if (!delivered) {
      this.finish(transfer, false, `block ${index + 1} of ${total} not acknowledged (${detail})`);
      return true;
    }
    transfer.acked[index] = true;
    const { first, size } = windowOf(index, total, this.window);
    if (transfer.acked.slice(first, first + size).every(Boolean)) {
      const next = first + size;
      if (next >= total) this.finish(transfer, true, 'all blocks acknowledged');
      else void this.sendLaterWindow(transfer, next);
    }
    return true;
  }

  /** The Outbox let go of `tag`: stop that transfer, reporting nothing. */
  release(tag: number): void {
    const transfer = this.transfers.get(tag);
    if (transfer) this.end(transfer);
  }

  /** A tag is about to be used again: forget a stale block that had it. */
  reuse(tag: number): void {
    if (this.blockTags.get(tag)?.transfer.done) this.blockTags.delete(tag);
  }

  private async sendLaterWindow(transfer: Transfer, first: number): Promise<void> {
    try {
      const result = await this.sendWindow(transfer, first);
      if (result.kind !== 'accepted' && !transfer.done) {
        const detail = result.kind === 'failed' ? result.detail : result.kind;
        this.finish(transfer, false, `block ${first + 1} of ${transfer.blocks.length} not sent (${detail})`);
      }
    } catch (error) {
      // If the link went, the Outbox hears of it and has let go of (released) the message already.
      this.finish(transfer, false, `blocks from ${first + 1} of ${transfer.blocks.length} not sent (${(error as Error).message})`);
    }
  }

  private async sendWindow(transfer: Transfer, first: number): Promise<TransmitResult> {
    const total = transfer.blocks.length;
    const { size } = windowOf(first, total, this.window);
    for (let index = first; index < first + size; index++) {
      if (transfer.done) return { kind: 'accepted' };
      const result = await this.sendBlock(transfer, index);
      if (result.kind !== 'accepted') return result;
    }
    return { kind: 'accepted' };
  }

  /**
   * One block's sendUnicast. The command can fail with the link still up (the NCP refusing a frame
   * a line error damaged): a later block is then simply sent again, as the receiver keeps one copy
   * of each block; block 0 is not, since the NCP may have numbered it, so that failure goes to the
   * Outbox, which sends the whole message again.
   */
  private async sendBlock(transfer: Transfer, index: number): Promise<TransmitResult> {
    const total = transfer.blocks.length;
    for (let attempt = 1; ; attempt++) {
      const tag = this.deps.nextTag();
      this.blockTags.set(tag, { transfer, index });
      const apsFrame: ApsFrame = {
        ...transfer.address,
        options: transfer.options | APS_OPTION_FRAGMENT,
        groupId: encodeBlockGroupId({ index, total }),
        // The NCP numbers block 0; every later block must carry the same APS counter.
        sequence: index === 0 ? 0 : transfer.sequence,
      };
      try {
        const { result, sequence } = await this.deps.sendBlock(transfer.nodeId, apsFrame, tag, transfer.blocks[index]!);
        if (result.kind !== 'accepted') this.blockTags.delete(tag);
        else if (index === 0) transfer.sequence = sequence;
        return result;
      } catch (error) {
        this.blockTags.delete(tag);
        if (index === 0 || transfer.done || attempt >= BLOCK_SEND_ATTEMPTS) throw error;
      }
    }
  }

  private finish(transfer: Transfer, delivered: boolean, detail: string): void {
    if (transfer.done) return;
    this.end(transfer);
    this.deps.settle(transfer.tag, delivered, detail);
  }

  private end(transfer: Transfer): void {
    transfer.done = true;
    if (this.transfers.get(transfer.tag) === transfer) this.transfers.delete(transfer.tag);
  }
}
