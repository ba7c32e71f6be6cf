import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../clock.js';
import type { ApsAddress, Eui64 } from '../radio.js';
import type { ApsSettings, DeviceSpec } from './scenario.js';

/**
 * One simulated HAN device. It keeps every APS message the hub sent it, in order, and sends its
 * own messages to the hub one at a time: each is retried with the same APS counter until the NCP
 * has handed it to the host (the APS acknowledgement of this model), up to a bounded number of
 * attempts, after which the device records a failure and moves on. One message in flight at a
 * time keeps them in order across NCP resets and line faults.
 */
export interface ApsMessage extends ApsAddress {
  apsCounter: number;
  payload: Buffer;
}

export interface ReceivedMessage extends ApsMessage {
  /** Clock time it arrived. */
  at: number;
  /**
   * The same payload arrived before. The model's air never repeats a frame, so this is the host
   * sending again (say after an NCP reset ate the messageSentHandler); a GB device's replay
   * protection would discard it, the simulator records it so a test can count it.
   */
  duplicate: boolean;
}

export interface SendOutcome extends ApsMessage {
  attempts: number;
  delivered: boolean;
  reason?: 'NO_ACK' | 'NOT_JOINED' | 'STOPPED';
}

/** What a device sees of the NCP: its parent and trust centre. */
export interface DeviceUplink {
  /** Resolves true once the host holds the message, false when it could not get there this time. */
  fromDevice(device: SimDevice, message: ApsMessage): Promise<boolean>;
  /** A sleepy device woke and polls its parent for held messages. */
  poll(device: SimDevice): void;
}

export interface DeviceEvents {
  received: [message: ReceivedMessage];
  /** A message to the hub reached the host, or was given up on. */
  sendDone: [outcome: SendOutcome];
  woke: [];
}

/** Smart Energy profile, GBCS tunnel cluster, endpoint 1 both ends: what GB devices talk to the hub on. */
export const DEFAULT_ADDRESS: ApsAddress = { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1 };

export class SimDevice extends EventEmitter<DeviceEvents> {
  joined = false;
  nodeId: number | undefined;
  /** The TC link key it got at its last join (kept after leaving, so it can resume). */
  tcLinkKey: Buffer | undefined;
  readonly received: ReceivedMessage[] = [];
  readonly outcomes: SendOutcome[] = [];
  private readonly outbox: Array<ApsMessage & { attempts: number }> = [];
  private nextApsCounter = 0;
  private pumping = false;
  private stopped = false;
  private wakeTimer: Timer | undefined;
  private readonly seenPayloads = new Set<string>();
  private awakeUntil = 0;

  constructor(
    readonly spec: DeviceSpec,
    private readonly clock: Clock,
    private readonly aps: ApsSettings,
    private readonly uplink: DeviceUplink,
  ) {
    super();
  }

  get eui64(): Eui64 {
    return this.spec.eui64;
  }

  /** A sleepy device hears its parent only just after it polls; others always. */
  isAwake(): boolean {
    return !this.spec.sleepy || this.clock.now() < this.awakeUntil;
  }

  /** Start the wake/poll cycle of a sleepy device. */
  start(): void {
    this.stopped = false;
    if (this.spec.sleepy && !this.wakeTimer) this.scheduleWake();
  }

  stop(): void {
    this.stopped = true;
    this.wakeTimer?.cancel();
    this.wakeTimer = undefined;
  }

  /** Queue `count` messages to the hub; returns their APS counters. */
  send(payload: Buffer, address: ApsAddress = DEFAULT_ADDRESS, count = 1): number[] {
    const counters: number[] = [];
    for (let i = 0; i < count; i++) {
      const apsCounter = this.nextApsCounter;
      this.nextApsCounter = (this.nextApsCounter + 1) & 0xff;
      this.outbox.push({ ...address, apsCounter, payload: Buffer.from(payload), attempts: 0 });
      counters.push(apsCounter);
    }
    void this.pump();
    return counters;
  }

  /** Messages queued or in flight to the hub. */
  pending(): number {
    return this.outbox.length;
  }

  /** Called by the NCP when a message for this device goes out over the air. */
  deliver(message: ApsMessage): void {
    const key = message.payload.toString('hex');
    const received = { ...message, payload: Buffer.from(message.payload), at: this.clock.now(), duplicate: this.seenPayloads.has(key) };
    this.seenPayloads.add(key);
    this.received.push(received);
    this.emit('received', received);
  }

  joinedAs(nodeId: number, tcLinkKey: Buffer): void {
    this.joined = true;
    this.nodeId = nodeId;
    this.tcLinkKey = Buffer.from(tcLinkKey);
    void this.pump();
  }

  left(): void {
    this.joined = false;
    this.nodeId = undefined;
  }

  /** Wake and poll the parent now (a sleepy device also does this on its interval). */
  wake(): void {
    this.awakeUntil = this.clock.now() + this.spec.awakeSeconds * 1000;
    this.emit('woke');
    if (this.joined) this.uplink.poll(this);
  }

  private scheduleWake(): void {
    this.wakeTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      this.wake();
      this.scheduleWake();
    }, this.spec.wakeIntervalSeconds * 1000);
  }

  private finish(message: ApsMessage & { attempts: number }, delivered: boolean, reason?: SendOutcome['reason']): void {
    this.outbox.shift();
    const { attempts, ...rest } = message;
    const outcome: SendOutcome = reason ? { ...rest, attempts, delivered, reason } : { ...rest, attempts, delivered };
    this.outcomes.push(outcome);
    this.emit('sendDone', outcome);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.outbox.length > 0) {
        const head = this.outbox[0]!;
        if (this.stopped || !this.joined) {
          this.finish(head, false, this.stopped ? 'STOPPED' : 'NOT_JOINED');
          continue;
        }
        if (!(await this.sendRound())) await this.clock.sleep(this.aps.retryIntervalMs);
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Offer up to `aps.window` messages at once, in order. The NCP's link keeps them in order, so
   * they are acknowledged as a prefix: those before the first failure are done; from the first
   * failure on, everything goes again (a later one the host did get comes back with its old APS
   * counter, which the host discards). True when every message offered got through.
   */
  private async sendRound(): Promise<boolean> {
    const round = this.outbox.slice(0, this.aps.window);
    for (const message of round) message.attempts++;
    const results = await Promise.all(round.map((message) => this.uplink.fromDevice(this, message)));
    const failedAt = results.indexOf(false);
    const delivered = failedAt < 0 ? round.length : failedAt;
    for (const message of round.slice(0, delivered)) this.finish(message, true);
    if (failedAt < 0) return true;
    const first = round[failedAt]!;
    if (first.attempts >= this.aps.retries) this.finish(first, false, 'NO_ACK');
    return false;
  }
}
