import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import { silentLogger, type Logger } from '../log.js';
import { decodeTunnelData, encodeTunnelData, type TunnelData } from '../tunnel/header.js';
import { decodeTunnelFrame, encodeTunnelFrame, GBCS_TUNNEL, TUNNEL_STATUS, TUNNELING_CLUSTER, TRANSFER_DATA_STATUS, type TunnelFrame } from '../tunnel/protocol.js';
import { DEFAULT_ADDRESS, type ReceivedMessage, type SimDevice } from './device.js';

/**
 * A simulated Device's end of its GBCS tunnels (protocol 6, manufacturer 0xFFFF, no flow control,
 * 1,500-octet transfers). A mains Device (ESME, PPMID, HCALCS) answers the hub's RequestTunnel,
 * keeps the GBCS messages the hub transfers to it, and sends its own over the hub's tunnel (or, if
 * the hub opened none, over one it requests from the hub). The sleepy GSME opens its tunnel to the
 * hub each time it wakes, asks with GET until the hub says none remain, keeps what it got, and then
 * PUTs the messages it has for the hub.
 */

export interface TunnelEndSettings {
  /** TunnelStatus answered to the hub's RequestTunnel (default success); null: do not answer at all. */
  requestStatus: number | null;
  /** Whether a sleepy Device collects its messages (and PUTs its own) on every wake (default true). */
  collectOnWake: boolean;
}

export interface TunnelledMessage {
  index: number;
  /** Clock time it arrived. */
  at: number;
  gbcs: Buffer;
}

export interface TunnelEndEvents {
  /** A GBCS message reached the Device through a tunnel. */
  gbcs: [message: TunnelledMessage];
  /** A tunnel frame from the hub, decoded. */
  frame: [frame: TunnelFrame];
  /** A sleepy Device finished its round after waking: what it got, or why it stopped. */
  collected: [result: { messages: Buffer[] } | { error: string }];
}

/** Device types that carry GBCS messages over tunnels (IHDs and CADs do not). */
export const TUNNEL_DEVICE_TYPES: readonly string[] = ['ESME', 'GSME', 'PPMID', 'HCALCS'];

/** How long the Device waits for each answer from the hub. */
const ANSWER_WAIT_MS = 10_000;
const FIRST_OWN_TUNNEL_ID = 0x0042;

export class SimTunnelEnd extends EventEmitter<TunnelEndEvents> {
  readonly frames: TunnelFrame[] = [];
  readonly received: TunnelledMessage[] = [];
  private settings: TunnelEndSettings = { requestStatus: TUNNEL_STATUS.success, collectOnWake: true };
  /** The tunnel the hub opened to this Device, as this Device numbered it. */
  hubTunnelId: number | undefined;
  private nextTunnelId = FIRST_OWN_TUNNEL_ID;
  private sequence = 0x80;
  private readonly outgoing: Buffer[] = [];
  private readonly waiters: Array<{ match: (frame: TunnelFrame) => boolean; resolve: (frame: TunnelFrame | undefined) => void }> = [];
  private round: Promise<Buffer[]> | undefined;

  constructor(
    readonly device: SimDevice,
    private readonly clock: Clock,
    private readonly log: Logger = silentLogger,
  ) {
    super();
    device.on('received', (message) => this.onMessage(message));
    device.on('woke', () => {
      if (device.spec.sleepy && this.settings.collectOnWake && device.joined) void this.collect().catch(() => undefined);
    });
  }

  configure(settings: Partial<TunnelEndSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  /**
   * Send a GBCS message to the hub through a tunnel: a mains Device at once, the sleepy GSME as a
   * PUT on its next wake (or now, if it is in the middle of its round).
   */
  sendGbcs(gbcs: Buffer): void {
    if (this.device.spec.sleepy) {
      this.outgoing.push(Buffer.from(gbcs));
      return;
    }
    void this.sendFromMains(Buffer.from(gbcs)).catch((error: unknown) => this.log.warn({ eui64: this.device.eui64, detail: (error as Error).message }, 'could not send a GBCS message'));
  }

  /** Send one tunnel frame to the hub (a sleepy Device polls as it sends, unless `wake` is false). */
  sendFrame(frame: Omit<TunnelFrame, 'sequence'> & { sequence?: number }, options: { wake?: boolean } = {}): number {
    const sequence = frame.sequence ?? this.nextSequence();
    if (this.device.spec.sleepy && options.wake !== false) this.device.poll();
    this.device.send(encodeTunnelFrame({ ...frame, sequence }), DEFAULT_ADDRESS);
    return sequence;
  }

  /** Resolves with the next frame from the hub that matches, or undefined after `waitMs` (null: wait as long as it takes). */
  next(match: (frame: TunnelFrame) => boolean, waitMs: number | null = ANSWER_WAIT_MS): Promise<TunnelFrame | undefined> {
    return new Promise((resolve) => {
      const timer =
        waitMs === null
          ? undefined
          : this.clock.setTimeout(() => {
              const at = this.waiters.indexOf(waiter);
              if (at >= 0) this.waiters.splice(at, 1);
              resolve(undefined);
            }, waitMs);
      const waiter = { match, resolve: (frame: TunnelFrame | undefined) => (timer?.cancel(), resolve(frame)) };
      this.waiters.push(waiter);
    });
  }

  /** As the sleepy GSME after waking: open a tunnel to the hub, GET until none remain, then PUT what waits. One round at a time. */
  collect(): Promise<Buffer[]> {
    if (!this.round) {
      this.round = this.collectRound().then(
        (messages) => {
          this.round = undefined;
          this.emit('collected', { messages });
          return messages;
        },
        (error: unknown) => {
          this.round = undefined;
          this.emit('collected', { error: (error as Error).message });
          throw error;
        },
      );
    }
    return this.round;
  }

  /** Ask the hub for a tunnel to it; resolves with its id. */
  async requestTunnel(): Promise<number> {
    const sequence = this.nextSequence();
    const answered = this.next((f) => f.sequence === sequence && f.command.kind === 'requestTunnelResponse');
    this.sendFrame({ sequence, direction: 'clientToServer', command: { kind: 'requestTunnel', ...GBCS_TUNNEL } });
    const response = (await answered)?.command;
    if (!response) throw new Error('no RequestTunnelResponse from the hub');
    if (response.kind !== 'requestTunnelResponse' || response.status !== TUNNEL_STATUS.success) throw new Error('the hub refused the tunnel');
    return response.tunnelId;
  }

  /** One GET on `tunnelId`, answered by the hub's GET-RESPONSE. */
  async get(tunnelId: number, options: { wake?: boolean } = {}): Promise<TunnelData> {
    const reply = this.next((f) => f.command.kind === 'transferData' && f.direction === 'serverToClient');
    this.sendFrame({ direction: 'clientToServer', command: { kind: 'transferData', tunnelId, data: encodeTunnelData({ kind: 'get' }) } }, options);
    const frame = await reply;
    if (frame?.command.kind !== 'transferData') throw new Error('no GET-RESPONSE from the hub');
    return decodeTunnelData(frame.command.data);
  }

  private async collectRound(): Promise<Buffer[]> {
    const tunnelId = await this.requestTunnel();
    const messages: Buffer[] = [];
    for (;;) {
      const reply = await this.get(tunnelId);
      if (reply.kind !== 'getResponse') throw new Error(`expected a GET-RESPONSE, got ${reply.kind}`);
      if (reply.message.length > 0) {
        messages.push(reply.message);
        this.keep(reply.message);
      }
      if (reply.remaining === 0) break;
    }
    for (const message of this.outgoing.splice(0)) {
      this.sendFrame({ direction: 'clientToServer', command: { kind: 'transferData', tunnelId, data: encodeTunnelData({ kind: 'put', message }) } });
    }
    return messages;
  }

  private async sendFromMains(gbcs: Buffer): Promise<void> {
    const data = encodeTunnelData({ kind: 'message', message: gbcs });
    if (this.hubTunnelId !== undefined) {
      this.sendFrame({ direction: 'serverToClient', command: { kind: 'transferData', tunnelId: this.hubTunnelId, data } });
      return;
    }
    const tunnelId = await this.requestTunnel();
    this.sendFrame({ direction: 'clientToServer', command: { kind: 'transferData', tunnelId, data } });
  }

  private onMessage(message: ReceivedMessage): void {
    if (message.duplicate || message.clusterId !== TUNNELING_CLUSTER) return;
    let frame: TunnelFrame;
    try {
      frame = decodeTunnelFrame(message.payload);
    } catch {
      return; // not a tunnel frame: the Device ignores it, as it would an unknown command
    }
    this.frames.push(frame);
    this.emit('frame', frame);
    this.answer(frame);
    for (const waiter of this.waiters.filter((w) => w.match(frame))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(frame);
    }
  }

  private answer(frame: TunnelFrame): void {
    const { command } = frame;
    if (command.kind === 'requestTunnel') return this.answerRequest(frame.sequence, command);
    // The hub closed its tunnel, or says it no longer knows it: the next message needs another.
    if ((command.kind === 'closeTunnel' || command.kind === 'transferDataError') && frame.direction === 'clientToServer' && command.tunnelId === this.hubTunnelId) {
      this.hubTunnelId = undefined;
      return;
    }
    if (command.kind !== 'transferData' || frame.direction !== 'clientToServer') return;
    if (command.tunnelId !== this.hubTunnelId) {
      this.sendFrame({ direction: 'serverToClient', command: { kind: 'transferDataError', tunnelId: command.tunnelId, status: TRANSFER_DATA_STATUS.noSuchTunnel } });
      return;
    }
    try {
      const data = decodeTunnelData(command.data);
      if (data.kind === 'message' || data.kind === 'put') this.keep(data.message);
    } catch (error) {
      this.log.debug({ eui64: this.device.eui64, detail: (error as Error).message }, 'unreadable tunnel data from the hub');
    }
  }

  private answerRequest(sequence: number, request: Extract<TunnelFrame['command'], { kind: 'requestTunnel' }>): void {
    if (this.settings.requestStatus === null) return;
    let status = this.settings.requestStatus;
    if (request.protocolId !== GBCS_TUNNEL.protocolId) status = TUNNEL_STATUS.protocolNotSupported;
    else if (request.flowControl) status = TUNNEL_STATUS.flowControlNotSupported;
    let tunnelId = 0xffff;
    if (status === TUNNEL_STATUS.success) {
      tunnelId = this.nextTunnelId;
      this.nextTunnelId = this.nextTunnelId === 0xfffe ? FIRST_OWN_TUNNEL_ID : this.nextTunnelId + 1;
      this.hubTunnelId = tunnelId;
    }
    this.sendFrame({ sequence, direction: 'serverToClient', command: { kind: 'requestTunnelResponse', tunnelId, status, maxIncomingTransferSize: GBCS_TUNNEL.maxIncomingTransferSize } });
  }

  private keep(gbcs: Buffer): void {
    const message = { index: this.received.length, at: this.clock.now(), gbcs: Buffer.from(gbcs) };
    this.received.push(message);
    this.emit('gbcs', message);
  }

  private nextSequence(): number {
    this.sequence = (this.sequence + 1) & 0xff;
    return this.sequence;
  }
}
