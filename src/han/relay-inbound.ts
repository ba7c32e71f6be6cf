import type { EventEmitter } from 'node:events';
import type { Logger } from '../../hal/log.js';
import type { Eui64, IncomingMessage } from '../../hal/radio.js';
import type { AdmissionCheck, DeviceKinds, RelayEvents, RelaySecuritySink } from './relay-contract.js';
import type { SleepyQueue } from './sleepy-queue.js';
import { TunnelError } from '../../hal/tunnel/errors.js';
import { decodeTunnelData, encodeTunnelData, MAX_REMAINING_COUNT } from '../../hal/tunnel/header.js';
import {
  decodeTunnelFrame,
  GBCS_TUNNEL,
  TRANSFER_DATA_STATUS,
  transferDataStatusName,
  TUNNEL_STATUS,
  type TunnelCommand,
  type TunnelFrame,
} from '../../hal/tunnel/protocol.js';
import type { TunnelSender, HubTunnels } from './tunnels.js';

/**
 * What Devices send the hub over the Tunneling cluster: tunnel requests (the hub is their server),
 * answers to the hub's own requests, data both ways, errors and closures. Work for one Device runs
 * in arrival order, so two GETs from a GSME never hand out the same message twice.
 */
export interface RelayInboundDeps {
  sender: TunnelSender;
  tunnels: HubTunnels;
  admission: AdmissionCheck;
  devices: DeviceKinds;
  queue: SleepyQueue;
  events: EventEmitter<RelayEvents>;
  logger: Logger;
  security?: RelaySecuritySink;
}

/**
 * What a receive-only (Type 2) Device may not send: a tunnel request (its tunnel to the hub would
 * carry GBCS messages, GETs that take queued messages, or alerts) and data on any tunnel. Closing
 * a tunnel, errors and answers to the hub's own requests stay allowed: they change nothing.
 */
const SENDING: ReadonlySet<TunnelCommand['kind']> = new Set(['requestTunnel', 'transferData']);

type Command<K extends TunnelCommand['kind']> = Extract<TunnelCommand, { kind: K }>;

export class RelayInbound {
  private readonly perDevice = new Map<Eui64, Promise<void>>();

  constructor(private readonly deps: RelayInboundDeps) {}

  handle(message: IncomingMessage): void {
    const { eui64 } = message;
    const previous = this.perDevice.get(eui64) ?? Promise.resolve();
    const next = previous
      .then(() => this.process(message))
      .catch((error: unknown) => this.fail('handle a tunnel frame', eui64, error))
      .finally(() => {
        if (this.perDevice.get(eui64) === next) this.perDevice.delete(eui64);
      });
    this.perDevice.set(eui64, next);
  }

  /** Resolves once every frame received so far has been handled. */
  async settled(): Promise<void> {
    while (this.perDevice.size > 0) await Promise.all([...this.perDevice.values()]);
  }

  private async process(message: IncomingMessage): Promise<void> {
    const { eui64 } = message;
    let frame: TunnelFrame;
    try {
      frame = decodeTunnelFrame(message.payload);
    } catch (error) {
      if (error instanceof TunnelError) return this.refuse(eui64, `unreadable tunnel frame: ${error.message}`);
      throw error;
    }
    if (!(await this.deps.admission.isAdmitted(eui64))) {
      this.deps.tunnels.forget(eui64);
      return this.refuse(eui64, `${frame.command.kind} from a Device not in the CHF Device Log`);
    }
    const { command } = frame;
    if (SENDING.has(command.kind) && (await this.deps.devices.isReceiveOnly?.(eui64))) return this.refuseReceiveOnly(eui64, message.sourceEndpoint, frame);
    switch (command.kind) {
      case 'requestTunnel':
        return this.onRequestTunnel(eui64, message.sourceEndpoint, frame.sequence, command);
      case 'requestTunnelResponse':
        if (!this.deps.tunnels.responded(eui64, frame.sequence, command)) this.deps.logger.debug({ eui64 }, 'a RequestTunnelResponse nobody waited for');
        return;
      case 'transferData':
        return frame.direction === 'clientToServer'
          ? this.onDataToServer(eui64, message.sourceEndpoint, command)
          : this.onDataToClient(eui64, message.sourceEndpoint, command);
      case 'transferDataError':
        this.onTransferError(eui64, frame.direction, command);
        return;
      case 'closeTunnel':
        if (this.deps.tunnels.serverTunnel(command.tunnelId)?.eui64 === eui64) this.deps.tunnels.closeServer(command.tunnelId);
        return;
      case 'tunnelClosureNotification':
        if (this.deps.tunnels.clientTunnel(eui64)?.tunnelId === command.tunnelId) this.deps.tunnels.forgetClient(eui64);
        return;
      case 'defaultResponse':
        return;
    }
  }

  private async onRequestTunnel(eui64: Eui64, endpoint: number, sequence: number, request: Command<'requestTunnel'>): Promise<void> {
    let status: number = TUNNEL_STATUS.success;
    if (request.protocolId !== GBCS_TUNNEL.protocolId) status = TUNNEL_STATUS.protocolNotSupported;
    else if (request.flowControl) status = TUNNEL_STATUS.flowControlNotSupported;
    const tunnelId = status === TUNNEL_STATUS.success ? this.deps.tunnels.accept(eui64, endpoint).tunnelId : 0xffff;
    const outcome = await this.deps.sender.send(eui64, endpoint, {
      sequence,
      direction: 'serverToClient',
      command: { kind: 'requestTunnelResponse', tunnelId, status, maxIncomingTransferSize: GBCS_TUNNEL.maxIncomingTransferSize },
    });
    if (!outcome.delivered) this.deps.logger.warn({ eui64, reason: outcome.reason }, 'RequestTunnelResponse not delivered');
  }

  /** Data on a tunnel the Device opened to the hub: a GET, or the Device's own message. */
  private async onDataToServer(eui64: Eui64, endpoint: number, transfer: Command<'transferData'>): Promise<void> {
    const tunnel = this.deps.tunnels.serverTunnel(transfer.tunnelId);
    let error: number | undefined;
    if (!tunnel) error = TRANSFER_DATA_STATUS.noSuchTunnel;
    else if (tunnel.eui64 !== eui64) error = TRANSFER_DATA_STATUS.wrongDevice;
    else if (transfer.data.length > GBCS_TUNNEL.maxIncomingTransferSize) error = TRANSFER_DATA_STATUS.dataOverflow;
    if (error !== undefined) {
      await this.deps.sender.send(eui64, endpoint, { direction: 'serverToClient', command: { kind: 'transferDataError', tunnelId: transfer.tunnelId, status: error } });
      return this.refuse(eui64, `TransferData on tunnel ${transfer.tunnelId}: ${transferDataStatusName(error)}`);
    }
    const data = this.readData(eui64, transfer.data);
    if (!data) return;
    if (data.kind === 'get') return this.answerGet(eui64, tunnel!.endpoint, transfer.tunnelId);
    if (data.kind === 'getResponse') return this.refuse(eui64, 'a GET-RESPONSE is the hub’s to send');
    this.deps.events.emit('message', { eui64, gbcsBytes: data.message });
  }

  /** Data on a tunnel the hub opened to the Device: its response or alert. */
  private async onDataToClient(eui64: Eui64, endpoint: number, transfer: Command<'transferData'>): Promise<void> {
    if (this.deps.tunnels.clientTunnel(eui64)?.tunnelId !== transfer.tunnelId) {
      await this.deps.sender.send(eui64, endpoint, { direction: 'clientToServer', command: { kind: 'transferDataError', tunnelId: transfer.tunnelId, status: TRANSFER_DATA_STATUS.noSuchTunnel } });
      return this.refuse(eui64, `TransferData on unknown tunnel ${transfer.tunnelId}`);
    }
    const data = this.readData(eui64, transfer.data);
    if (!data) return;
    if (data.kind === 'put' || data.kind === 'message') this.deps.events.emit('message', { eui64, gbcsBytes: data.message });
    else this.refuse(eui64, `a ${data.kind.toUpperCase()} on the hub’s own tunnel`);
  }

  private onTransferError(eui64: Eui64, direction: TunnelFrame['direction'], error: Command<'transferDataError'>): void {
    // Sent by a server (to us as client) about the hub's tunnel to it, or by a client about its tunnel to the hub.
    if (direction === 'serverToClient' && this.deps.tunnels.clientTunnel(eui64)?.tunnelId === error.tunnelId) this.deps.tunnels.forgetClient(eui64);
    if (direction === 'clientToServer' && this.deps.tunnels.serverTunnel(error.tunnelId)?.eui64 === eui64) this.deps.tunnels.closeServer(error.tunnelId);
    this.deps.events.emit('transferError', { eui64, tunnelId: error.tunnelId, status: transferDataStatusName(error.status) });
  }

  /** GET-RESPONSE with the oldest waiting message (or none) and how many wait behind it. */
  private async answerGet(eui64: Eui64, endpoint: number, tunnelId: number): Promise<void> {
    const head = await this.deps.queue.head(eui64);
    const data = encodeTunnelData({
      kind: 'getResponse',
      remaining: Math.min(head?.behind ?? 0, MAX_REMAINING_COUNT),
      message: head?.message.gbcs ?? Buffer.alloc(0),
    });
    const outcome = await this.deps.sender.send(eui64, endpoint, { direction: 'serverToClient', command: { kind: 'transferData', tunnelId, data } });
    if (!head) return;
    if (outcome.delivered) await this.deps.queue.delivered(head.message.id);
    else this.deps.logger.warn({ eui64, id: head.message.id, reason: outcome.reason }, 'GET-RESPONSE not acknowledged; the message stays queued');
  }

  private readData(eui64: Eui64, bytes: Buffer): ReturnType<typeof decodeTunnelData> | undefined {
    try {
      return decodeTunnelData(bytes);
    } catch (error) {
      if (!(error instanceof TunnelError)) throw error;
      this.refuse(eui64, `unreadable tunnel data: ${error.message}`);
      return undefined;
    }
  }

  /** A Type 2 Device receives data and sends nothing that changes state: refused, and recorded as lacking authority. */
  private async refuseReceiveOnly(eui64: Eui64, endpoint: number, frame: TunnelFrame): Promise<void> {
    const reason = `${frame.command.kind} from a receive-only (Type 2) Device`;
    if (frame.command.kind === 'requestTunnel') {
      const answer = { kind: 'requestTunnelResponse', tunnelId: 0xffff, status: TUNNEL_STATUS.protocolNotSupported, maxIncomingTransferSize: GBCS_TUNNEL.maxIncomingTransferSize } as const;
      await this.deps.sender.send(eui64, endpoint, { sequence: frame.sequence, direction: 'serverToClient', command: answer });
    }
    this.refuse(eui64, reason);
    await this.deps.security?.record('RECEIVE_ONLY_DEVICE_SENT', { eui64, reason });
  }

  private refuse(eui64: Eui64, reason: string): void {
    this.deps.logger.warn({ eui64, reason }, 'tunnel traffic refused');
    this.deps.events.emit('refused', { eui64, reason });
  }

  private fail(doing: string, eui64: Eui64, error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    this.deps.logger.warn({ eui64, detail: failure.message }, `could not ${doing}`);
    this.deps.events.emit('failed', { doing, eui64, error: failure });
  }
}
