import type { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { RadioEvents } from '../radio.js';
import type { ResponseParams } from './codec.js';
import { APS_OPTION_FRAGMENT, encodeAckGroupId, Reassembler, type BlockAck } from './fragmentation.js';
import type { EzspHost } from './host.js';
import type { RadioNetwork } from './radio-network.js';
import type { ApsFrame } from './wire-types.js';

/**
 * The receiving half of fragmentation on the hub: blocks of devices' long messages are put
 * together (bounded, see Reassembler), each whole window is acknowledged to the device with
 * sendReply, a complete message goes on to the network as one incoming message, and one that never
 * becomes whole is reported as `messageIncomplete`.
 */

export interface FragmentReceiverOptions {
  host: EzspHost;
  network: RadioNetwork;
  clock: Clock;
  log: Logger;
  events: EventEmitter<RadioEvents>;
  window: number;
  timeoutMs?: number;
  maxMessages?: number;
  maxLength?: number;
}

export class FragmentReceiver {
  private readonly reassembler: Reassembler;

  constructor(private readonly options: FragmentReceiverOptions) {
    this.reassembler = new Reassembler({
      clock: options.clock,
      window: options.window,
      timeoutMs: options.timeoutMs,
      maxMessages: options.maxMessages,
      maxLength: options.maxLength,
    });
    this.reassembler.on('lost', (loss) => {
      const nodeId = Number(loss.sender);
      const report = { eui64: options.network.eui64Of(nodeId), nodeId, received: loss.received, total: loss.total, reason: loss.reason };
      options.log.warn(report, 'a long message from a device never became whole');
      options.events.emit('messageIncomplete', report);
    });
  }

  static isBlock(p: ResponseParams<'incomingMessageHandler'>): boolean {
    return (p.apsFrame.options & APS_OPTION_FRAGMENT) !== 0;
  }

  /** One block of a long message from a device: keep it, pass the message up when complete, acknowledge its window when whole. */
  receive(p: ResponseParams<'incomingMessageHandler'>): void {
    const { apsFrame } = p;
    const verdict = this.reassembler.accept(String(p.senderShortId), apsFrame.sequence, apsFrame.groupId, Buffer.from(p.messageContents));
    if (verdict.kind === 'refused') {
      this.options.log.warn({ nodeId: p.senderShortId, apsCounter: apsFrame.sequence, detail: verdict.reason }, 'block of a long message refused');
      return;
    }
    if (verdict.kind === 'complete') {
      this.options.network.incoming({ ...p, apsFrame: { ...apsFrame, options: apsFrame.options & ~APS_OPTION_FRAGMENT, groupId: 0 }, messageContents: verdict.payload });
    }
    if (verdict.ack) void this.acknowledge(p.senderShortId, apsFrame, verdict.ack);
  }

  /** Forget every message being put together (the radio stopped). */
  clear(): void {
    this.reassembler.clear();
  }

  private async acknowledge(sender: number, apsFrame: ApsFrame, ack: BlockAck): Promise<void> {
    try {
      await this.options.host.command('sendReply', { sender, apsFrame: { ...apsFrame, groupId: encodeAckGroupId(ack) }, messageContents: Buffer.alloc(0) });
    } catch (error) {
      // The device offers the window again, and it is acknowledged then.
      this.options.log.debug({ nodeId: sender, detail: (error as Error).message }, 'could not acknowledge a window of blocks');
    }
  }
}
