import { nextFrameNumber } from './frame.js';

/** What the receiving half owes the peer after a frame: a NAK, an ACK, or nothing at all. */
export type Answer = 'NAK' | 'ACK' | undefined;

/**
 * The receiving half's Reject condition (UG101 §5.4) and the answer each received frame earns.
 *
 * - The first DATA frame that is damaged, out of sequence or unusable earns a NAK and enters Reject.
 * - In Reject, damaged and out-of-sequence new frames earn nothing until the awaited frame arrives.
 * - A retransmitted frame other than the awaited one is a duplicate and earns an ACK, except in
 *   Reject when the frame just before it did not arrive just before it: then the peer's go-back
 *   lost a frame (the awaited one, or the one that was to end it), and the NAK is told again rather
 *   than leaving the frame to the peer's ACK timer (0.4–3.2 s; on a noisy line enough of those in a
 *   row fail the link).
 * - A frame too damaged to tell whether it was DATA (a lost ACK or NAK, frames merged by a lost
 *   Flag) earns a NAK outside Reject, so the peer resends and says again where it is.
 * - The peer's NAK earns an ACK saying where we are; in Reject, once per condition, our NAK again,
 *   since ours may be what the peer lost.
 *
 * Every NAK beyond the first of a condition needs a frame lost since, so the answers a link sends
 * grow with the damage, never with its own retransmissions. How the transport cuts the stream into
 * chunks does not matter: a Flag-delimited one hands up each frame of a go-back alone, and an
 * answer per chunk would be a NAK per retransmitted frame, each earning a whole go-back.
 */
export class RejectCondition {
  private rejecting = false;
  private peerNakAnswered = false;
  /** The frame number of the DATA frame received last, unless something unreadable came since. */
  private previous: number | undefined;
  /** A NAK already went for what came between `previous` and the next frame: do not tell it twice. */
  private gapTold = false;

  get active(): boolean {
    return this.rejecting;
  }

  /** The awaited frame arrived: the condition ends, and the frame is owed an ACK. */
  accepted(frmNum: number): Answer {
    this.follow(frmNum);
    this.rejecting = false;
    return 'ACK';
  }

  /** A readable DATA frame that cannot be taken: out of sequence, or carrying an impossible ackNum. */
  refused(frmNum: number): Answer {
    this.follow(frmNum);
    return this.rejecting ? undefined : this.enter();
  }

  /**
   * A DATA frame arrived damaged. In Reject one marked as retransmitted (if the mark can be believed)
   * may be the awaited frame, lost again: it earns the NAK again, as the damage is a fault of its own.
   */
  damaged(retransmitted: boolean): Answer {
    if (!this.rejecting) return this.lost(this.enter());
    return this.lost(retransmitted ? 'NAK' : undefined);
  }

  /** The awaited frame arrived but the layer above could not read it: it must come again. */
  vetoed(frmNum: number): Answer {
    this.follow(frmNum);
    return this.enter();
  }

  /** A retransmitted frame that is not the awaited one: one already handed up, or one beyond the gap. */
  duplicate(frmNum: number): Answer {
    const gap = this.previous === undefined || nextFrameNumber(this.previous) !== frmNum;
    const untold = gap && !this.gapTold;
    this.follow(frmNum);
    return this.rejecting && untold ? 'NAK' : 'ACK';
  }

  /** A frame whose kind could not be told: in Reject, perhaps the awaited frame. */
  unreadable(): Answer {
    return this.lost('NAK');
  }

  peerNaked(): Answer {
    if (!this.rejecting || this.peerNakAnswered) return 'ACK';
    this.peerNakAnswered = true;
    return 'NAK';
  }

  clear(): void {
    this.rejecting = false;
    this.peerNakAnswered = false;
    this.previous = undefined;
    this.gapTold = false;
  }

  private follow(frmNum: number): void {
    this.previous = frmNum;
    this.gapTold = false;
  }

  /** Something unreadable came: a gap after `previous`, told already if `answer` is a NAK. */
  private lost(answer: Answer): Answer {
    this.previous = undefined;
    this.gapTold ||= answer === 'NAK';
    return answer;
  }

  private enter(): Answer {
    this.rejecting = true;
    this.peerNakAnswered = false;
    return 'NAK';
  }
}
