import type { Simulator } from '../../../hal/sim/simulator.js';
import type { ReceivedMessage } from '../../../hal/sim/device.js';
import { decodeTunnelData, encodeTunnelData, type TunnelData } from '../../../hal/tunnel/header.js';
import { decodeTunnelFrame, encodeTunnelFrame, GBCS_TUNNEL, TUNNEL_STATUS, type TunnelFrame } from '../../../hal/tunnel/protocol.js';

/**
 * The GBCS tunnel end of a simulated Device, played over the simulator's public device API (what
 * the Device receives from the hub, and `send` for what it sends). The simulator's device model
 * carries APS messages but does not speak the Tunneling cluster itself yet, so this agent supplies
 * that part: it answers the hub's RequestTunnel, records TransferData, and (for the GSME) opens a
 * tunnel to the hub on waking and collects its queued messages with GET.
 */
export interface AgentOptions {
  /** What to answer the hub's RequestTunnel with (default success). */
  tunnelStatus?: number;
  /** Whether to answer the hub's RequestTunnel at all (default true). */
  answerTunnelRequests?: boolean;
}

export class SimTunnelAgent {
  /** Every frame the hub sent this Device, decoded. */
  readonly frames: TunnelFrame[] = [];
  /** GBCS messages the hub delivered over its tunnel to this Device (mains Devices). */
  readonly delivered: Buffer[] = [];
  private readonly waiters: Array<{ match: (frame: TunnelFrame) => boolean; resolve: (frame: TunnelFrame) => void }> = [];
  private readonly ownTunnelId = 0x0042;
  private sequence = 0x80;
  private readonly onReceived = (eui64: string, message: ReceivedMessage) => {
    if (eui64 === this.eui64 && !message.duplicate) this.receive(decodeTunnelFrame(message.payload));
  };

  constructor(
    private readonly sim: Simulator,
    readonly eui64: string,
    private readonly options: AgentOptions = {},
  ) {
    sim.on('messageReceived', this.onReceived);
  }

  detach(): void {
    this.sim.off('messageReceived', this.onReceived);
  }

  /** The Device sends one tunnel frame to the hub; a sleepy Device is awake (polling) when it sends, unless told otherwise. */
  send(frame: TunnelFrame, options: { wake?: boolean } = {}): void {
    const device = this.sim.device(this.eui64);
    if (device.spec.sleepy && options.wake !== false) device.wake();
    this.sim.send(this.eui64, [encodeTunnelFrame(frame)]);
  }

  /** Resolves with the next frame from the hub that matches. */
  next(match: (frame: TunnelFrame) => boolean): Promise<TunnelFrame> {
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** As a sleepy GSME: wake, open a tunnel to the hub, and GET until nothing remains. Returns the messages in order. */
  async collect(): Promise<Buffer[]> {
    const sequence = this.nextSequence();
    const answered = this.next((f) => f.sequence === sequence && f.command.kind === 'requestTunnelResponse');
    this.send({ sequence, direction: 'clientToServer', command: { kind: 'requestTunnel', ...GBCS_TUNNEL } });
    const response = (await answered).command;
    if (response.kind !== 'requestTunnelResponse' || response.status !== TUNNEL_STATUS.success) throw new Error('the hub refused the tunnel');
    const messages: Buffer[] = [];
    for (;;) {
      const reply = await this.get(response.tunnelId);
      if (reply.kind !== 'getResponse') throw new Error(`expected a GET-RESPONSE, got ${reply.kind}`);
      if (reply.message.length > 0) messages.push(reply.message);
      if (reply.remaining === 0) return messages;
    }
  }

  /** One GET on `tunnelId`, answered by the hub's GET-RESPONSE. */
  async get(tunnelId: number): Promise<TunnelData> {
    const reply = this.next((f) => f.command.kind === 'transferData' && f.direction === 'serverToClient');
    this.send({ sequence: this.nextSequence(), direction: 'clientToServer', command: { kind: 'transferData', tunnelId, data: encodeTunnelData({ kind: 'get' }) } });
    const { command } = await reply;
    if (command.kind !== 'transferData') throw new Error('unreachable');
    return decodeTunnelData(command.data);
  }

  private receive(frame: TunnelFrame): void {
    this.frames.push(frame);
    const { command } = frame;
    if (command.kind === 'requestTunnel' && this.options.answerTunnelRequests !== false) {
      const status = this.options.tunnelStatus ?? TUNNEL_STATUS.success;
      this.send({
        sequence: frame.sequence,
        direction: 'serverToClient',
        command: { kind: 'requestTunnelResponse', tunnelId: this.ownTunnelId, status, maxIncomingTransferSize: GBCS_TUNNEL.maxIncomingTransferSize },
      });
    }
    if (command.kind === 'transferData' && frame.direction === 'clientToServer' && command.tunnelId === this.ownTunnelId) {
      this.delivered.push(command.data);
    }
    for (const waiter of this.waiters.filter((w) => w.match(frame))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(frame);
    }
  }

  private nextSequence(): number {
    this.sequence = (this.sequence + 1) & 0xff;
    return this.sequence;
  }
}
