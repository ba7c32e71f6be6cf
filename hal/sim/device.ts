import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../clock.js';
import { ackedBlocks, APS_OPTION_FRAGMENT, encodeBlockGroupId, frameLimits, Reassembler, splitIntoBlocks, windowOf, type BlockAck } from '../ezsp/fragmentation.js';
import type { ApsAddress, Eui64 } from '../radio.js';
import { CLUSTER, PROFILE } from '../zcl/index.js';
import type { ApsSettings, DeviceSpec } from './scenario.js';

/**
 * One simulated HAN device. It keeps every APS message the hub sent it, in order, and sends its
 * own messages to the hub one at a time: each is retried with the same APS counter until the NCP
 * has handed it to the host (the APS acknowledgement of this model), up to a bounded number of
 * attempts, after which the device records a failure and moves on. One message in flight at a
 * time keeps them in order across NCP resets and line faults. A message too long for one frame
 * goes (and comes) in blocks, as an EmberZNet device does it (hal/ezsp/fragmentation.ts).
 */
export interface ApsMessage extends ApsAddress {
  apsCounter: number;
  payload: Buffer;
  /** A block of a fragmented message: the FRAGMENT option and the block number in groupId. */
  options?: number;
  groupId?: number;
  /** Sent to a broadcast address (a Device_annce), not to the hub alone. */
  broadcast?: boolean;
}

/** The longest message a device sends or takes, in octets (the hub's reassembly limit). */
export const MAX_MESSAGE_LENGTH = 2048;
/** APS-encrypted frames, as GB devices send them. */
const LIMITS = frameLimits(true);

interface Outgoing extends ApsMessage {
  attempts: number;
  /** A long message's blocks and which of them the hub acknowledged. */
  blocks?: Buffer[];
  acked?: boolean[];
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

/** What a device keeps of the network it joined. */
export interface JoinedNetwork {
  panId: number;
  extendedPanId: string;
  networkKey: Buffer;
}

export interface DeviceEvents {
  received: [message: ReceivedMessage];
  /** A message to the hub reached the host, or was given up on. */
  sendDone: [outcome: SendOutcome];
  woke: [];
}

/** Smart Energy profile, GBCS tunnel cluster, endpoint 1 both ends: what GB devices talk to the hub on. */
export const DEFAULT_ADDRESS: ApsAddress = { profileId: PROFILE.smartEnergy, clusterId: CLUSTER.tunneling, sourceEndpoint: 1, destinationEndpoint: 1 };

export class SimDevice extends EventEmitter<DeviceEvents> {
  joined = false;
  nodeId: number | undefined;
  /** The TC link key it got at its last join (kept after leaving, so it can resume). */
  tcLinkKey: Buffer | undefined;
  /** The network it joined, as it knows it: a coordinator carrying on the same one keeps it joined. */
  network: JoinedNetwork | undefined;
  readonly received: ReceivedMessage[] = [];
  readonly outcomes: SendOutcome[] = [];
  private readonly outbox: Outgoing[] = [];
  private readonly reassembler: Reassembler;
  private ackWaiter: (() => void) | undefined;
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
    this.reassembler = new Reassembler({ clock, maxLength: MAX_MESSAGE_LENGTH, maxMessages: 2 });
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
      const message: Outgoing = { ...address, apsCounter, payload: Buffer.from(payload), attempts: 0 };
      if (payload.length > LIMITS.singleFrame) {
        message.blocks = splitIntoBlocks(payload, LIMITS.blockSize);
        message.acked = message.blocks.map(() => false);
      }
      this.outbox.push(message);
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

  /** Called by the NCP for one block of a long message from the hub; returns the window acknowledgement when it is due. */
  deliverBlock(message: ApsMessage): BlockAck | undefined {
    const verdict = this.reassembler.accept('hub', message.apsCounter, message.groupId ?? 0, message.payload);
    if (verdict.kind === 'complete') {
      const { options: _options, groupId: _groupId, ...whole } = message;
      this.deliver({ ...whole, payload: verdict.payload });
    }
    return verdict.kind === 'refused' ? undefined : verdict.ack;
  }

  /** Called by the NCP when the hub acknowledged a window of blocks of the message numbered `apsCounter`. */
  blocksAcknowledged(apsCounter: number, ack: BlockAck): void {
    const head = this.outbox[0];
    if (!head?.acked || head.apsCounter !== apsCounter) return;
    for (const index of ackedBlocks(ack)) if (index < head.acked.length) head.acked[index] = true;
    this.ackWaiter?.();
  }

  joinedAs(nodeId: number, tcLinkKey: Buffer, network: JoinedNetwork): void {
    this.joined = true;
    this.nodeId = nodeId;
    this.tcLinkKey = Buffer.from(tcLinkKey);
    this.network = { panId: network.panId, extendedPanId: network.extendedPanId, networkKey: Buffer.from(network.networkKey) };
    void this.pump();
  }

  left(): void {
    this.joined = false;
    this.nodeId = undefined;
    this.network = undefined;
  }

  /** Whether a network formed with these parameters is the one this device is on (it hears it and holds its key). */
  isOn(network: JoinedNetwork): boolean {
    const mine = this.network;
    return this.joined && mine !== undefined && mine.panId === network.panId && mine.extendedPanId === network.extendedPanId && mine.networkKey.equals(network.networkKey);
  }

  /** Wake and poll the parent now (a sleepy device also does this on its interval). */
  wake(): void {
    this.awakeUntil = this.clock.now() + this.spec.awakeSeconds * 1000;
    this.emit('woke');
    if (this.joined) this.uplink.poll(this);
  }

  /** Poll the parent and stay awake a while longer, as a sleepy device does while it talks to the hub. */
  poll(): void {
    this.awakeUntil = Math.max(this.awakeUntil, this.clock.now() + this.spec.awakeSeconds * 1000);
    if (this.joined) this.uplink.poll(this);
  }

  private scheduleWake(): void {
    this.wakeTimer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      this.wake();
      this.scheduleWake();
    }, this.spec.wakeIntervalSeconds * 1000);
  }

  private finish(message: Outgoing, delivered: boolean, reason?: SendOutcome['reason']): void {
    this.outbox.shift();
    const { attempts, blocks: _blocks, acked: _acked, ...rest } = message;
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
        const sent = head.blocks ? await this.sendBlocks(head) : await this.sendRound();
        if (!sent) await this.clock.sleep(this.aps.retryIntervalMs);
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
    // A long message goes on its own, after the short ones before it.
    const long = this.outbox.findIndex((message) => message.blocks);
    const round = this.outbox.slice(0, long < 0 ? this.aps.window : Math.min(long, this.aps.window));
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

  /**
   * Offer the first window of a long message the hub has not acknowledged, and wait for its
   * acknowledgement; repeat until every block is acknowledged. True when the message is done;
   * false to try again after the retry interval (the NO_ACK after `aps.retries` tries in a row
   * without progress).
   */
  private async sendBlocks(head: Outgoing): Promise<boolean> {
    const blocks = head.blocks!;
    const acked = head.acked!;
    let first = acked.indexOf(false);
    while (first >= 0) {
      head.attempts++;
      const { size } = windowOf(first, blocks.length);
      const window = Array.from({ length: size }, (_, i) => first + i).filter((index) => !acked[index]);
      const offered = await Promise.all(window.map((index) => this.uplink.fromDevice(this, this.block(head, index))));
      const answered = offered.every(Boolean) && (await this.acknowledgement(head, first, size));
      if (!answered) {
        if (head.attempts >= this.aps.retries) this.finish(head, false, 'NO_ACK');
        return false;
      }
      head.attempts = 0;
      first = acked.indexOf(false);
    }
    this.finish(head, true);
    return true;
  }

  private block(head: Outgoing, index: number): ApsMessage {
    const total = head.blocks!.length;
    const { profileId, clusterId, sourceEndpoint, destinationEndpoint, apsCounter } = head;
    return { profileId, clusterId, sourceEndpoint, destinationEndpoint, apsCounter, payload: head.blocks![index]!, options: APS_OPTION_FRAGMENT, groupId: encodeBlockGroupId({ index, total }) };
  }

  /** Resolves true once blocks first..first+size-1 are all acknowledged, false after the wait for it. */
  private acknowledgement(head: Outgoing, first: number, size: number): Promise<boolean> {
    const whole = () => head.acked!.slice(first, first + size).every(Boolean);
    if (whole()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => done(false), BLOCK_ACK_TIMEOUT_MS);
      const done = (result: boolean) => {
        timer.cancel();
        this.ackWaiter = undefined;
        resolve(result);
      };
      this.ackWaiter = () => whole() && done(true);
    });
  }
}

/** How long a device waits for the hub to acknowledge a window of its blocks before offering it again. */
const BLOCK_ACK_TIMEOUT_MS = 3000;
