import { EventEmitter } from 'node:events';
import type { Clock } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { isEui64, notAnEui64 } from '../../hal/eui64.js';
import { silentLogger, type Logger } from '../../hal/log.js';
import type { DeliveryOutcome, Eui64, IncomingMessage, Radio } from '../../hal/radio.js';
import { RELAY_STATUS, type AdmissionCheck, type DeliveryReport, type DeviceKinds, type RelayEvents, type RelaySecuritySink } from './relay-contract.js';
import { RelayInbound } from './relay-inbound.js';
import type { QueueOutcome, SleepyQueue } from './sleepy-queue.js';
import { GBCS_MESSAGE_TAGS } from '../../hal/tunnel/header.js';
import { encodeTunnelFrame, GBCS_TUNNEL, TUNNEL_PROFILE, TUNNELING_CLUSTER, type TunnelFrame } from '../../hal/tunnel/protocol.js';
import { HubTunnels } from './tunnels.js';

/**
 * Relays GBCS messages between the hub and HAN Devices over GBCS tunnels. To a mains-powered
 * Device the hub opens (or reuses) a tunnel and sends the message at once; to a sleepy one (the
 * GSME) it queues the message durably until the Device wakes, opens its tunnel to the hub and asks
 * with GET. What Devices send over any tunnel goes up as a `message` event. Nothing is sent to,
 * or accepted from, a Device that is not in the CHF Device Log.
 *
 * "Delivered" means the Device's radio acknowledged (APS) the TransferData carrying the message:
 * for a mains Device the relay's own transfer; for the GSME the GET-RESPONSE that carried it. A
 * GET-RESPONSE that is not acknowledged leaves the message at the head of the queue for the next GET.
 */

export { RELAY_STATUS, type AdmissionCheck, type DeliveryReport, type DeviceKinds, type RelayEvents, type RelaySecuritySink, type RelayStatus } from './relay-contract.js';

export class RelayError extends HubError {}

export interface HanRelayOptions {
  radio: Radio;
  admission: AdmissionCheck;
  devices: DeviceKinds;
  queue: SleepyQueue;
  clock: Clock;
  logger?: Logger;
  /** Records refused sends from receive-only Devices; without it they are only reported as `refused`. */
  security?: RelaySecuritySink;
  /** How long to wait for a RequestTunnelResponse (default 10 s, a third of GBCS's 30 s on-demand target). */
  tunnelResponseTimeoutMs?: number;
  /** The hub's endpoint for the Tunneling cluster (default 1). */
  localEndpoint?: number;
  /** A Device's tunnel endpoint until it is heard from (default 1). */
  defaultRemoteEndpoint?: number;
}

/** The GB-HGRP header of a GET-RESPONSE (two octets) comes out of the 1,500-octet transfer. */
const GET_RESPONSE_HEADER_LENGTH = 2;

export class HanRelay extends EventEmitter<RelayEvents> {
  readonly tunnels: HubTunnels;
  private readonly radio: Radio;
  private readonly admission: AdmissionCheck;
  private readonly devices: DeviceKinds;
  private readonly queue: SleepyQueue;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly localEndpoint: number;
  private readonly defaultRemoteEndpoint: number;
  private readonly inbound: RelayInbound;
  private sequence = 0;
  private started = false;

  constructor(options: HanRelayOptions) {
    super();
    this.radio = options.radio;
    this.admission = options.admission;
    this.devices = options.devices;
    this.queue = options.queue;
    this.clock = options.clock;
    this.logger = (options.logger ?? silentLogger).child({ component: 'relay' });
    this.localEndpoint = options.localEndpoint ?? 1;
    this.defaultRemoteEndpoint = options.defaultRemoteEndpoint ?? 1;
    const sender = { send: this.sendFrame.bind(this), nextSequence: () => this.nextSequence() };
    this.tunnels = new HubTunnels(sender, this.clock, options.tunnelResponseTimeoutMs ?? 10_000);
    this.inbound = new RelayInbound({
      sender, tunnels: this.tunnels, admission: this.admission, devices: this.devices, queue: this.queue, events: this, logger: this.logger,
      ...(options.security ? { security: options.security } : {}),
    });
  }

  private readonly onMessage = (message: IncomingMessage): void => {
    if (message.clusterId !== TUNNELING_CLUSTER || message.profileId !== TUNNEL_PROFILE) return;
    this.inbound.handle(message);
  };

  private readonly onGone = ({ eui64 }: { eui64: Eui64 }): void => this.tunnels.forget(eui64);
  private readonly onSettled = (outcome: QueueOutcome): void => void this.emit('queueSettled', outcome);

  /** Listen to the radio and the queue; reports (as `queueSettled`) messages that expired while the hub was down. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.radio.on('message', this.onMessage);
    // A Device that left or joined again has forgotten its tunnels.
    this.radio.on('deviceLeft', this.onGone);
    this.radio.on('deviceJoined', this.onGone);
    this.queue.on('settled', this.onSettled);
    await this.queue.start();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.radio.off('message', this.onMessage);
    this.radio.off('deviceLeft', this.onGone);
    this.radio.off('deviceJoined', this.onGone);
    this.tunnels.stop();
    await this.inbound.settled();
    this.queue.off('settled', this.onSettled);
  }

  /**
   * The Device left the CHF Device Log: forget its tunnels and report its queued messages as
   * REMOVED (also through `queueSettled`). The composition root calls this on the log's removal.
   */
  async forgetDevice(eui64: Eui64): Promise<QueueOutcome[]> {
    this.tunnels.forget(eui64);
    return this.queue.removeDevice(eui64);
  }

  /** Relay one GBCS message to `eui64`. Resolves with what happened; rejects only for a malformed call. */
  async relay(eui64: Eui64, gbcsBytes: Buffer, options: { expiresAt?: number } = {}): Promise<DeliveryReport> {
    if (!isEui64(eui64)) throw new RelayError('RELAY_BAD_EUI64', notAnEui64(eui64), { where: 'eui64' });
    if (gbcsBytes.length === 0 || !GBCS_MESSAGE_TAGS.includes(gbcsBytes[0]!)) {
      throw new RelayError('RELAY_NOT_GBCS', 'a GBCS message starts with 0xDD (General Ciphering) or 0xDF (General Signing)', { where: 'gbcsBytes[0]' });
    }
    if (options.expiresAt !== undefined && !Number.isSafeInteger(options.expiresAt)) {
      throw new RelayError('RELAY_BAD_EXPIRY', `expiry ${options.expiresAt} is not a time in ms since the epoch`, { where: 'expiresAt' });
    }
    if (!this.started) throw new RelayError('RELAY_STOPPED', 'the relay is not started');
    if (!(await this.admission.isAdmitted(eui64))) return { eui64, status: 'NOT_ADMITTED', detail: RELAY_STATUS.NOT_ADMITTED };
    if (options.expiresAt !== undefined && options.expiresAt <= this.clock.now()) return { eui64, status: 'EXPIRED', detail: RELAY_STATUS.EXPIRED };
    return (await this.devices.isSleepy(eui64)) ? this.toSleepy(eui64, gbcsBytes, options.expiresAt) : this.toMains(eui64, gbcsBytes);
  }

  private async toSleepy(eui64: Eui64, gbcs: Buffer, expiresAt: number | undefined): Promise<DeliveryReport> {
    const limit = GBCS_TUNNEL.maxIncomingTransferSize - GET_RESPONSE_HEADER_LENGTH;
    if (gbcs.length > limit) return tooLarge(eui64, gbcs.length, limit);
    const queued = await this.queue.enqueue(eui64, gbcs, expiresAt === undefined ? {} : { expiresAt });
    if (queued.status === 'QUEUE_FULL') return { eui64, status: 'QUEUE_FULL', detail: `${queued.capacity} messages already wait for this Device` };
    this.logger.debug({ eui64, id: queued.id }, 'queued for a sleepy Device');
    return { eui64, status: 'QUEUED', messageId: queued.id, outcome: queued.outcome };
  }

  private async toMains(eui64: Eui64, gbcs: Buffer): Promise<DeliveryReport> {
    if (gbcs.length > GBCS_TUNNEL.maxIncomingTransferSize) return tooLarge(eui64, gbcs.length, GBCS_TUNNEL.maxIncomingTransferSize);
    const opened = await this.tunnels.openTo(eui64, this.defaultRemoteEndpoint);
    if (!opened.open) return { eui64, status: opened.status, detail: opened.detail };
    const { tunnel } = opened;
    if (gbcs.length > tunnel.maxTransferSize) return tooLarge(eui64, gbcs.length, tunnel.maxTransferSize);
    const outcome = await this.sendFrame(eui64, tunnel.endpoint, { direction: 'clientToServer', command: { kind: 'transferData', tunnelId: tunnel.tunnelId, data: gbcs } });
    if (!outcome.delivered) return { eui64, status: 'UNREACHABLE', detail: describeFailure(outcome) };
    this.emit('delivered', { eui64 });
    return { eui64, status: 'DELIVERED' };
  }

  private async sendFrame(eui64: Eui64, endpoint: number, frame: Omit<TunnelFrame, 'sequence'> & { sequence?: number }): Promise<DeliveryOutcome> {
    const bytes = encodeTunnelFrame({ ...frame, sequence: frame.sequence ?? this.nextSequence() });
    const address = { profileId: TUNNEL_PROFILE, clusterId: TUNNELING_CLUSTER, sourceEndpoint: this.localEndpoint, destinationEndpoint: endpoint };
    try {
      return await this.radio.send(eui64, address, bytes);
    } catch (error) {
      return { delivered: false, reason: 'RADIO_FAILURE', detail: (error as Error).message };
    }
  }

  private nextSequence(): number {
    this.sequence = (this.sequence + 1) & 0xff;
    return this.sequence;
  }
}

function tooLarge(eui64: Eui64, length: number, limit: number): DeliveryReport {
  return { eui64, status: 'TOO_LARGE', detail: `${length} octets; one transfer carries at most ${limit}` };
}

function describeFailure(outcome: DeliveryOutcome): string {
  return outcome.delivered ? 'delivered' : `${outcome.reason}${outcome.detail ? ` (${outcome.detail})` : ''}`;
}
