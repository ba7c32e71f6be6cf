import type { Clock, Timer } from '../clock.js';
import { LinkDefaults } from './constants.js';
import type { AshLinkCounters } from './endpoint-options.js';
import { Control, nextFrameNumber } from './frame.js';
import { RejectCondition, type Answer } from './reject-condition.js';

/** How often one frame may be refused by the layer above before it is handed up anyway. */
const MAX_VETOES = 3;

/**
 * The receiving half of an ASH link: the next frame number expected from the peer, each DATA frame
 * handed up once and in order, and the ACK or NAK that is owed for what came in. The endpoint sends
 * what is owed when it next writes (TransmitWindow is the sending half).
 */
export class ReceiveWindow {
  /** The frame number expected next from the peer: every ACK and NAK carries it. */
  frmRx = 0;
  private vet: ((frame: Buffer) => boolean) | undefined;
  /** Refusals of the frame now awaited; past MAX_VETOES it goes up regardless. */
  private vetoes = 0;
  private ackOwed = false;
  private nakOwed = false;
  private readonly reject = new RejectCondition();
  private peerNotReadyTimer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly counters: AshLinkCounters,
    private readonly handUp: (data: Buffer) => void,
  ) {}

  /** False while the peer has said (nRdy, on its ACK or NAK) that it cannot take callback frames. */
  get peerReady(): boolean {
    return this.peerNotReadyTimer === undefined;
  }

  notePeerReadiness(notReady: boolean): void {
    this.peerNotReadyTimer?.cancel();
    this.peerNotReadyTimer = undefined;
    if (!notReady) return;
    const timer = this.clock.setTimeout(() => {
      if (this.peerNotReadyTimer === timer) this.peerNotReadyTimer = undefined;
    }, LinkDefaults.remoteNotReadyMs);
    this.peerNotReadyTimer = timer;
  }

  /** Let the layer above refuse a frame it cannot take yet: it is NAKed and comes again. */
  vetFrames(accept: (frame: Buffer) => boolean): void {
    this.vet = accept;
  }

  onDataFrame(frmNum: number, reTx: boolean, data: Buffer): void {
    if (frmNum === this.frmRx && this.vetoed(data)) {
      this.counters.vetoed++;
      this.owe(this.reject.vetoed(frmNum));
      return;
    }
    if (frmNum === this.frmRx) {
      this.vetoes = 0;
      this.frmRx = nextFrameNumber(frmNum);
      this.owe(this.reject.accepted(frmNum));
      this.counters.dataReceived++;
      this.handUp(data);
    } else if (reTx) {
      // Already handed up (its ACK was lost), or a retransmission from beyond a gap: nothing goes up twice.
      this.counters.duplicates++;
      this.owe(this.reject.duplicate(frmNum));
    } else {
      this.counters.outOfSequence++;
      this.owe(this.reject.refused(frmNum));
    }
  }

  /** A DATA frame whose acknowledgement number made no sense. */
  refused(frmNum: number): void {
    this.owe(this.reject.refused(frmNum));
  }

  /** The peer NAKed: say where we are (and, in Reject, our NAK again). */
  peerNaked(): void {
    this.owe(this.reject.peerNaked());
  }

  /**
   * A frame that did not decode. A lost ACK or NAK (or frames merged by a lost Flag) is NAKed too:
   * the peer resends what we lack and says again where it is, instead of both waiting for ACK timers.
   */
  damaged(control: number | undefined): void {
    if (control === undefined || (control & Control.DATA_MASK) !== 0) this.owe(this.reject.unreadable());
    else this.owe(this.reject.damaged((control & Control.RETX_FLAG) !== 0));
  }

  /** Owe the peer an ACK whatever came in (to tell it of a change in readiness). */
  oweAck(): void {
    this.ackOwed = true;
  }

  /** Whether a NAK is owed; taking it answers for any ACK owed too. */
  takeNak(): boolean {
    if (!this.nakOwed) return false;
    this.nakOwed = false;
    this.ackOwed = false;
    return true;
  }

  /** DATA frames going out carry the acknowledgement. */
  acknowledged(): void {
    this.ackOwed = false;
  }

  takeAck(): boolean {
    const owed = this.ackOwed;
    this.ackOwed = false;
    return owed;
  }

  clear(): void {
    this.frmRx = 0;
    this.vetoes = 0;
    this.ackOwed = false;
    this.nakOwed = false;
    this.reject.clear();
    this.peerNotReadyTimer?.cancel();
    this.peerNotReadyTimer = undefined;
  }

  private vetoed(data: Buffer): boolean {
    if (!this.vet || this.vetoes >= MAX_VETOES) return false;
    if (this.vet(data)) return false;
    this.vetoes++;
    return true;
  }

  private owe(answer: Answer): void {
    if (answer === 'NAK') this.nakOwed = true;
    else if (answer === 'ACK') this.ackOwed = true;
  }
}
