import type { Clock, Timer } from '../clock.js';
import type { ApsAddress, DeliveryOutcome, Eui64 } from '../radio.js';

/**
 * The Radio's outgoing APS unicasts. Nothing is dropped silently: each message ends with exactly
 * one DeliveryOutcome. Per device, one message is on the air at a time, so a device receives its
 * messages in the order they were sent, also across NCP resets. A message whose outcome the NCP
 * lost by resetting is sent again once the link and the network are back; one that cannot be sent
 * within `networkWaitMs` of being held up, or that outlives its resends, fails with a reason.
 *
 * A rebooted NCP numbers its APS frames afresh, and a Device drops a frame whose APS counter it had
 * from the hub within its duplicate-rejection window (acknowledging it all the same, so the loss is
 * silent). So after a reset nothing goes to a Device that heard from the hub within
 * `repeatWindowMs` until that much time has passed since it last did.
 */

export type TransmitResult =
  | { kind: 'accepted' }
  | { kind: 'network-down' }
  | { kind: 'unknown-device' }
  | { kind: 'failed'; detail: string };

export interface OutboxDeps {
  clock: Clock;
  /** True while the link is ready and the network up. */
  canSend(): boolean;
  /** Hand one message to the NCP under `tag`; rejects when the link fails underneath. */
  transmit(eui64: Eui64, address: ApsAddress, payload: Buffer, tag: number): Promise<TransmitResult>;
  /** A fresh message tag (unique among messages in flight). */
  nextTag(): number;
  /** The outbox no longer waits on `tag` (reported, failed, timed out, or to be sent again under a new one). */
  released?(tag: number): void;
}

export interface OutboxOptions {
  /** How long a message may wait for the link and network to come back (default 60 s). */
  networkWaitMs: number;
  /** How long the NCP may take to report the outcome of an accepted message (default 30 s). */
  deliveryTimeoutMs: number;
  /** How many times a message may be sent again after the NCP lost it (default 3). */
  maxResends: number;
  /** How long a Device may take a new APS counter equal to one it had for a repeat (0 = no wait after a reset). */
  repeatWindowMs?: number;
}

interface Outgoing {
  eui64: Eui64;
  address: ApsAddress;
  payload: Buffer;
  resolve: (outcome: DeliveryOutcome) => void;
  state: 'queued' | 'transmitting' | 'awaiting-outcome' | 'done';
  tag: number | undefined;
  resends: number;
  waitTimer: Timer | undefined;
  deliveryTimer: Timer | undefined;
  /** A delivery report that overtook sendUnicast's own response (both can arrive in one read). */
  earlyReport: { delivered: boolean; detail: string } | undefined;
}

export class UnicastQueue {
  private readonly queues = new Map<Eui64, Outgoing[]>();
  private readonly byTag = new Map<number, Outgoing>();
  /** When each Device last had a frame from the hub (monotonic ms). */
  private readonly lastOnAir = new Map<Eui64, number>();
  /** Devices that get nothing until the timer fires: a reset restarted the APS counters they remember. */
  private readonly quiet = new Map<Eui64, Timer>();

  constructor(
    private readonly deps: OutboxDeps,
    private readonly options: OutboxOptions,
  ) {}

  get size(): number {
    let total = 0;
    for (const queue of this.queues.values()) total += queue.length;
    return total;
  }

  send(eui64: Eui64, address: ApsAddress, payload: Buffer): Promise<DeliveryOutcome> {
    return new Promise<DeliveryOutcome>((resolve) => {
      const out: Outgoing = {
        eui64,
        address: { ...address },
        payload: Buffer.from(payload),
        resolve,
        state: 'queued',
        tag: undefined,
        resends: 0,
        waitTimer: undefined,
        deliveryTimer: undefined,
        earlyReport: undefined,
      };
      const queue = this.queues.get(eui64) ?? [];
      queue.push(out);
      this.queues.set(eui64, queue);
      this.pump();
    });
  }

  /**
   * Start whatever can go now (the head of each device's queue); when nothing can go, start the
   * bounded wait of every queued message. Call on every change of link or network state.
   */
  pump(): void {
    const canSend = this.deps.canSend();
    for (const queue of this.queues.values()) {
      for (const out of queue) {
        if (out.state !== 'queued') continue;
        if (canSend) this.clearWait(out);
        else this.holdUp(out);
      }
      const head = queue[0];
      if (canSend && head?.state === 'queued' && !this.quiet.has(head.eui64)) void this.transmit(head);
    }
  }

  /** messageSentHandler: the NCP's final word on one message. */
  settle(tag: number, delivered: boolean, detail: string): void {
    const out = this.byTag.get(tag);
    if (out?.state === 'transmitting') {
      // The NCP reported before its answer to sendUnicast was handled: keep the report until it is.
      out.earlyReport = { delivered, detail };
      return;
    }
    if (!out || out.state !== 'awaiting-outcome') return;
    this.report(out, delivered, detail);
  }

  private report(out: Outgoing, delivered: boolean, detail: string): void {
    this.finish(out, delivered ? { delivered: true } : { delivered: false, reason: 'NO_ACK', detail });
  }

  /**
   * The NCP reset or the link dropped: outcomes it owed are lost, so those messages go again, and
   * Devices that heard from the hub within the repeat window wait it out. Returns how many wait, and the longest wait.
   */
  linkLost(): { devices: number; longestMs: number } {
    const now = this.deps.clock.monotonic();
    for (const queue of this.queues.values()) {
      const head = queue[0];
      if (head?.state === 'awaiting-outcome' || head?.state === 'transmitting') this.lastOnAir.set(head.eui64, now);
      if (head?.state === 'awaiting-outcome') this.requeue(head);
    }
    this.byTag.clear();
    return this.quietAfterReset(now);
  }

  private quietAfterReset(now: number): { devices: number; longestMs: number } {
    const window = this.options.repeatWindowMs ?? 0;
    let longestMs = 0;
    for (const [eui64, at] of [...this.lastOnAir]) {
      const left = at + window - now;
      if (left <= 0) {
        this.lastOnAir.delete(eui64);
        continue;
      }
      longestMs = Math.max(longestMs, left);
      this.quiet.get(eui64)?.cancel();
      this.quiet.set(
        eui64,
        this.deps.clock.setTimeout(() => {
          this.quiet.delete(eui64);
          this.pump();
        }, left),
      );
    }
    return { devices: this.quiet.size, longestMs };
  }

  /** Resolve everything still pending (the radio is stopping). */
  failAll(reason: 'RADIO_FAILURE' | 'NETWORK_DOWN', detail: string): void {
    for (const timer of this.quiet.values()) timer.cancel();
    this.quiet.clear();
    for (const queue of [...this.queues.values()]) {
      for (const out of [...queue]) this.finish(out, { delivered: false, reason, detail });
    }
  }

  private async transmit(out: Outgoing): Promise<void> {
    out.state = 'transmitting';
    if (this.options.repeatWindowMs) this.lastOnAir.set(out.eui64, this.deps.clock.monotonic());
    const tag = this.deps.nextTag();
    out.tag = tag;
    this.byTag.set(tag, out);
    let result: TransmitResult;
    try {
      result = await this.deps.transmit(out.eui64, out.address, out.payload, tag);
    } catch {
      // The command failed: the link under it (whether the NCP took it is unknown, and it has lost it
      // anyway), or the NCP refused the frame (a line error the CRC missed). If the link is still up
      // nothing else will pump, so go again now; resends are bounded by maxResends.
      if (out.state !== 'transmitting') return;
      this.requeue(out);
      if (this.deps.canSend()) this.pump();
      return;
    }
    if (out.state !== 'transmitting') return;
    switch (result.kind) {
      case 'accepted':
        out.state = 'awaiting-outcome';
        this.clearWait(out);
        if (out.earlyReport) return this.report(out, out.earlyReport.delivered, out.earlyReport.detail);
        out.deliveryTimer = this.deps.clock.setTimeout(
          () => this.finish(out, { delivered: false, reason: 'TIMEOUT', detail: `no delivery report within ${this.options.deliveryTimeoutMs} ms` }),
          this.options.deliveryTimeoutMs,
        );
        return;
      case 'network-down':
        this.byTag.delete(tag);
        this.deps.released?.(tag);
        out.state = 'queued';
        this.holdUp(out);
        return;
      case 'unknown-device':
        return this.finish(out, { delivered: false, reason: 'NOT_JOINED', detail: `${out.eui64} is not on the network` });
      case 'failed':
        return this.finish(out, { delivered: false, reason: 'RADIO_FAILURE', detail: result.detail });
    }
  }

  private requeue(out: Outgoing): void {
    if (out.tag !== undefined) {
      this.byTag.delete(out.tag);
      this.deps.released?.(out.tag);
    }
    out.earlyReport = undefined;
    out.deliveryTimer?.cancel();
    out.deliveryTimer = undefined;
    if (out.resends >= this.options.maxResends) {
      this.finish(out, { delivered: false, reason: 'RADIO_FAILURE', detail: `radio reset ${out.resends + 1} times while this message was in flight` });
      return;
    }
    out.resends++;
    out.state = 'queued';
    this.holdUp(out);
  }

  /** The message cannot go yet: give the link and network a bounded time to come back. */
  private holdUp(out: Outgoing): void {
    if (out.waitTimer) return;
    out.waitTimer = this.deps.clock.setTimeout(() => {
      out.waitTimer = undefined;
      if (out.state === 'queued') {
        this.finish(out, { delivered: false, reason: 'NETWORK_DOWN', detail: `network not back within ${this.options.networkWaitMs} ms` });
      }
    }, this.options.networkWaitMs);
  }

  private clearWait(out: Outgoing): void {
    out.waitTimer?.cancel();
    out.waitTimer = undefined;
  }

  private finish(out: Outgoing, outcome: DeliveryOutcome): void {
    if (out.state === 'done') return;
    // Its last block may have gone out just now (a long message goes in several).
    if (out.state === 'awaiting-outcome' && this.options.repeatWindowMs) this.lastOnAir.set(out.eui64, this.deps.clock.monotonic());
    out.state = 'done';
    this.clearWait(out);
    out.deliveryTimer?.cancel();
    if (out.tag !== undefined && this.byTag.get(out.tag) === out) {
      this.byTag.delete(out.tag);
      this.deps.released?.(out.tag);
    }
    const queue = this.queues.get(out.eui64);
    if (queue) {
      const at = queue.indexOf(out);
      if (at >= 0) queue.splice(at, 1);
      if (queue.length === 0) this.queues.delete(out.eui64);
    }
    out.resolve(outcome);
    this.pump();
  }
}
