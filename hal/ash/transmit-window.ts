import type { Clock } from '../clock.js';
import { AckTimer, type AckTimerSettings } from './ack-timer.js';
import type { AshEncoder } from './encoder.js';
import { nextFrameNumber, withinRange } from './frame.js';
import type { AshError } from './link.js';

/** One EZSP frame waiting to be sent or acknowledged, and the promise its sender holds. */
export interface Outgoing {
  data: Buffer;
  resolve: () => void;
  reject: (error: AshError) => void;
}

export interface TransmitCounters {
  dataSent: number;
  retransmitted: number;
  ackTimeouts: number;
  badAckNumbers: number;
}

export interface TransmitWindowEvents {
  /** The ACK timer ran out and the frames in flight must go again. */
  retransmit(): void;
  /** ACK_TIMEOUTS consecutive timeouts: the link has failed. */
  exhausted(timeouts: number): void;
  /** Acknowledgements opened the window while frames were queued. */
  room(): void;
}

/**
 * The sending half of an ASH link (UG101 §5.4): frames queue, up to `window` of them are in flight
 * numbered modulo 8, an ackNum from the peer releases them (resolving their senders), and the
 * adaptive ACK timer or a NAK sends all unacknowledged ones again with reTx set (go-back-N).
 */
export class TransmitWindow {
  /** Next frame number for a new DATA frame, and the oldest not yet acknowledged. */
  private frmTx = 0;
  private ackRx = 0;
  private readonly queue: Outgoing[] = [];
  private readonly inFlight: (Outgoing | undefined)[] = new Array<Outgoing | undefined>(8);
  private readonly ackTimer: AckTimer;
  private retransmitPending = false;
  /** Set from a retransmission until everything is acknowledged: those ACK delays say nothing about t_rx_ack. */
  private retransmitting = false;
  private consecutiveTimeouts = 0;

  constructor(
    clock: Clock,
    timer: AckTimerSettings,
    private readonly window: number,
    private readonly ackTimeouts: number,
    private readonly counters: TransmitCounters,
    private readonly events: TransmitWindowEvents,
  ) {
    this.ackTimer = new AckTimer(clock, timer, () => this.onAckTimeout());
  }

  get idle(): boolean {
    return this.queue.length === 0 && this.ackRx === this.frmTx;
  }

  /** True when the next write has DATA frames to carry. */
  get hasWork(): boolean {
    return this.retransmitPending || (this.queue.length > 0 && this.inFlightCount() < this.window);
  }

  enqueue(outgoing: Outgoing): void {
    this.queue.push(outgoing);
  }

  /** Take the peer's ackNum; false (and nothing changes) when it acknowledges frames never sent. */
  acknowledge(ackNum: number): boolean {
    if (!withinRange(this.ackRx, ackNum, this.frmTx)) {
      this.counters.badAckNumbers++;
      return false;
    }
    if (ackNum === this.ackRx) return true;
    this.consecutiveTimeouts = 0;
    if (!this.retransmitting) this.ackTimer.acknowledged();
    while (this.ackRx !== ackNum) {
      const done = this.inFlight[this.ackRx];
      this.inFlight[this.ackRx] = undefined;
      this.ackRx = nextFrameNumber(this.ackRx);
      done?.resolve();
    }
    if (this.ackRx === this.frmTx) {
      this.ackTimer.stop();
      this.retransmitting = false;
      this.retransmitPending = false;
    } else {
      this.ackTimer.start();
    }
    if (this.queue.length > 0) this.events.room();
    return true;
  }

  /** A NAK, or the ACK timer: send everything unacknowledged again on the next write. */
  startRetransmission(): void {
    if (this.ackRx === this.frmTx) return;
    this.retransmitPending = true;
    this.retransmitting = true;
  }

  /**
   * Encode what is due into `out` from `offset`: retransmissions first, then new frames while the
   * window allows, each carrying `ackNum`. Returns the new offset.
   */
  writeData(encoder: AshEncoder, out: Uint8Array, offset: number, ackNum: number): number {
    let o = offset;
    let sent = false;
    if (this.retransmitPending) {
      this.retransmitPending = false;
      for (let n = this.ackRx; n !== this.frmTx; n = nextFrameNumber(n)) {
        o = encoder.encodeDataInto(out, o, n, ackNum, true, this.inFlight[n]!.data);
        this.counters.retransmitted++;
        sent = true;
      }
    }
    while (this.queue.length > 0 && this.inFlightCount() < this.window) {
      const next = this.queue.shift()!;
      this.inFlight[this.frmTx] = next;
      o = encoder.encodeDataInto(out, o, this.frmTx, ackNum, false, next.data);
      this.frmTx = nextFrameNumber(this.frmTx);
      this.counters.dataSent++;
      sent = true;
    }
    if (sent && !this.ackTimer.running) this.ackTimer.start();
    return o;
  }

  /** Forget every frame, rejecting their senders with `error`, and start numbering from 0 again. */
  clear(error?: AshError): void {
    const pending: Outgoing[] = [];
    for (let n = this.ackRx; n !== this.frmTx; n = nextFrameNumber(n)) pending.push(this.inFlight[n]!);
    pending.push(...this.queue);
    this.inFlight.fill(undefined);
    this.queue.length = 0;
    this.frmTx = 0;
    this.ackRx = 0;
    this.retransmitPending = false;
    this.retransmitting = false;
    this.consecutiveTimeouts = 0;
    this.ackTimer.reset();
    if (error) for (const outgoing of pending) outgoing.reject(error);
  }

  private inFlightCount(): number {
    return (this.frmTx - this.ackRx) & 7;
  }

  private onAckTimeout(): void {
    if (this.ackRx === this.frmTx) return;
    this.counters.ackTimeouts++;
    this.ackTimer.expired();
    if (++this.consecutiveTimeouts >= this.ackTimeouts) {
      this.events.exhausted(this.consecutiveTimeouts);
      return;
    }
    this.startRetransmission();
    this.events.retransmit();
  }
}
