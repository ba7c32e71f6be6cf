import type { Eui64 } from '../radio.js';
import { BlockReassembler, decodeBlock, isBlockTransfer } from '../tunnel/block-transfer.js';
import type { TunnelledMessage } from './tunnel-end.js';

/**
 * A Device behaviour for conformance runs: a simulated GBCS Device that answers a message it got
 * through its tunnel with the messages scripted for exactly those bytes (a response, alerts), as a
 * real meter answers an RTDS command with the RTDS response. The answers go back through the
 * Device's tunnel end, so a sleepy GSME PUTs them in the same wake-up round that fetched the command.
 * A message that came in General Block Transfer blocks is put together first. Every whole message
 * is kept in `received`; one with no script is not answered.
 */
export interface ScriptedAnswerSim {
  on(event: 'gbcsReceived', listener: (eui64: Eui64, message: TunnelledMessage) => void): unknown;
  off(event: 'gbcsReceived', listener: (eui64: Eui64, message: TunnelledMessage) => void): unknown;
  sendGbcs(from: Eui64, gbcs: Buffer): void;
}

export class ScriptedAnswers {
  private readonly scripts = new Map<string, Buffer[]>();
  private readonly reassemblers = new Map<Eui64, BlockReassembler>();
  /** Every whole GBCS message a Device got, in order. */
  readonly received: Array<{ eui64: Eui64; gbcs: Buffer }> = [];
  /** Scripts that failed to send (the Device is not joined, the answer is too long...), for a test to report. */
  readonly failures: Array<{ eui64: Eui64; error: Error }> = [];

  constructor(private readonly sim: ScriptedAnswerSim) {
    sim.on('gbcsReceived', this.onGbcs);
  }

  /** When `eui64` gets exactly `message`, it answers with `answers`, in order (replacing any script for those bytes). */
  script(eui64: Eui64, message: Buffer, answers: readonly Buffer[]): void {
    this.scripts.set(key(eui64, message), answers.map((answer) => Buffer.from(answer)));
  }

  stop(): void {
    this.sim.off('gbcsReceived', this.onGbcs);
    this.scripts.clear();
  }

  private readonly onGbcs = (eui64: Eui64, message: TunnelledMessage): void => {
    const whole = isBlockTransfer(message.gbcs) ? this.joinBlock(eui64, message.gbcs) : message.gbcs;
    if (!whole) return;
    this.received.push({ eui64, gbcs: whole });
    const answers = this.scripts.get(key(eui64, whole));
    if (!answers) return;
    for (const answer of answers) {
      try {
        this.sim.sendGbcs(eui64, answer);
      } catch (error) {
        this.failures.push({ eui64, error: error as Error });
      }
    }
  };

  private joinBlock(eui64: Eui64, bytes: Buffer): Buffer | undefined {
    let reassembler = this.reassemblers.get(eui64);
    if (!reassembler) this.reassemblers.set(eui64, (reassembler = new BlockReassembler()));
    try {
      return reassembler.accept(decodeBlock(bytes));
    } catch (error) {
      this.failures.push({ eui64, error: error as Error });
      return undefined;
    }
  }
}

const key = (eui64: Eui64, message: Buffer): string => `${eui64}/${message.toString('hex')}`;
