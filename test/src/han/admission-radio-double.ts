import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from '../../../hal/clock.js';
import {
  RadioError,
  type DeliveryOutcome,
  type EnergyReading,
  type Eui64,
  type JoinCredential,
  type NetworkInfo,
  type NetworkKey,
  type NetworkParameters,
  type Radio,
  type RadioEvents,
} from '../../../hal/radio.js';

/**
 * A TEST DOUBLE of the Radio seam, in memory, for the join-window rules the simulated NCP cannot
 * express (a Device resuming with its historic TC link key) and for stepping windows with a
 * ManualClock. It enforces the seam's contract as the EZSP radio does: `permitJoining` allows
 * exactly the Devices given, each with its own key, until the one timer runs out; `closeJoining`
 * forgets them; a Device joins only with its allowed key inside the window, otherwise
 * `joinRefused`; `removeDevice` makes it leave and forgets its key. The removal path is also
 * tested against the real simulator behind the real EZSP radio (admission-sim.test.ts).
 */
export class RadioDouble extends EventEmitter<RadioEvents> implements Radio {
  private allowed = new Map<Eui64, Buffer>();
  private joiningUntil = 0;
  readonly joined = new Map<Eui64, { nodeId: number; tcLinkKey: Buffer }>();
  readonly permitCalls: Array<{ eui64s: Eui64[]; seconds: number; at: number }> = [];
  closeCalls = 0;
  private nextNodeId = 1;
  private info: NetworkInfo | null = null;

  constructor(private readonly clock: Clock) {
    super();
  }

  /** What is open right now, as the NCP sees it. */
  joiningOpenFor(): Eui64[] {
    return this.clock.now() < this.joiningUntil ? [...this.allowed.keys()].sort() : [];
  }

  /**
   * A Device asks to join with `key`. With `resume`, it keeps that key as its TC link key (as a
   * Device resuming with its historic key does); otherwise it gets a fresh one.
   */
  attemptJoin(eui64: Eui64, key: Buffer, options: { resume?: boolean } = {}): boolean {
    if (this.clock.now() >= this.joiningUntil) return this.refuse(eui64, 'JOINING_CLOSED');
    const allowedKey = this.allowed.get(eui64);
    if (!allowedKey) return this.refuse(eui64, 'NO_KEY');
    if (!allowedKey.equals(key)) return this.refuse(eui64, 'WRONG_KEY');
    const tcLinkKey = options.resume ? Buffer.from(key) : randomBytes(16);
    const nodeId = this.nextNodeId++;
    this.joined.set(eui64, { nodeId, tcLinkKey });
    this.allowed.delete(eui64);
    this.emit('deviceJoined', { eui64, nodeId });
    this.emit('linkKeyEstablished', { eui64, linkKey: Buffer.from(tcLinkKey) });
    return true;
  }

  /** A misbehaving NCP lets a Device in regardless of the window (to test that admission catches it). */
  forceJoin(eui64: Eui64): Buffer {
    const tcLinkKey = randomBytes(16);
    this.joined.set(eui64, { nodeId: this.nextNodeId++, tcLinkKey });
    this.emit('deviceJoined', { eui64, nodeId: this.joined.get(eui64)!.nodeId });
    this.emit('linkKeyEstablished', { eui64, linkKey: Buffer.from(tcLinkKey) });
    return tcLinkKey;
  }

  private refuse(eui64: Eui64, reason: string): false {
    this.emit('joinRefused', { eui64, reason });
    return false;
  }

  async start(): Promise<NetworkInfo | null> {
    return this.info;
  }

  private networkKey: NetworkKey = { key: randomBytes(16), sequenceNumber: 0 };

  readonly restoredLinkKeys: JoinCredential[] = [];

  async restoreLinkKeys(devices: JoinCredential[]): Promise<void> {
    this.restoredLinkKeys.push(...devices);
  }

  async readNetworkKey(): Promise<NetworkKey> {
    return { ...this.networkKey, key: Buffer.from(this.networkKey.key) };
  }

  async formNetwork(parameters: Partial<NetworkParameters>, networkKey?: NetworkKey): Promise<NetworkInfo> {
    this.networkKey = networkKey ? { ...networkKey, key: Buffer.from(networkKey.key) } : { key: randomBytes(16), sequenceNumber: 0 };
    this.joined.clear();
    this.info = { channel: parameters.channel ?? 11, panId: parameters.panId ?? 0x1a62, extendedPanId: parameters.extendedPanId ?? '00DB123456789000', localEui64: '00DB123456789000', nodeId: 0 };
    this.emit('networkUp', this.info);
    return this.info;
  }

  async permitJoining(devices: JoinCredential[], durationSeconds: number): Promise<void> {
    if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > 254) {
      throw new RadioError('RADIO_BAD_ARGUMENT', `join window of ${durationSeconds} s is not 1..254`);
    }
    this.allowed = new Map(devices.map((d) => [d.eui64, Buffer.from(d.linkKey)]));
    this.joiningUntil = this.clock.now() + durationSeconds * 1000;
    this.permitCalls.push({ eui64s: devices.map((d) => d.eui64).sort(), seconds: durationSeconds, at: this.clock.now() });
  }

  async closeJoining(): Promise<void> {
    this.allowed.clear();
    this.joiningUntil = 0;
    this.closeCalls += 1;
  }

  async removeDevice(eui64: Eui64): Promise<void> {
    if (!this.joined.delete(eui64)) throw new RadioError('RADIO_UNKNOWN_DEVICE', `${eui64} is not on the network`);
    this.emit('deviceLeft', { eui64 });
  }

  async send(eui64: Eui64): Promise<DeliveryOutcome> {
    return this.joined.has(eui64) ? { delivered: true } : { delivered: false, reason: 'NOT_JOINED' };
  }

  /** A message from a Device, as the radio would report it. */
  deliver(eui64: Eui64, rssi: number): void {
    this.emit('message', { eui64, nodeId: this.joined.get(eui64)?.nodeId ?? 0xfffe, payload: Buffer.alloc(4), lqi: 200, rssi, profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1 });
  }

  async energyScan(): Promise<EnergyReading[]> {
    return [];
  }

  async setChannel(): Promise<void> {}

  networkInfo(): NetworkInfo | null {
    return this.info;
  }

  async stop(): Promise<void> {}
}
