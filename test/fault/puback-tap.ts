import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import mqttPacket, { type Parser } from 'mqtt-packet';

/**
 * A TCP relay between the hub and its broker that reads the MQTT packets going each way, to learn
 * which commands the broker saw acknowledged: each PUBLISH the broker sends the hub is remembered by
 * packet id (per connection), and each PUBACK the hub sends back names the payload it acknowledged.
 */
export class PubackTap {
  /** Payloads the hub has PUBACKed with their reason code (MQTT 5; 0 for 3.1.1), in order. */
  readonly acknowledged: Array<{ payload: Buffer; reasonCode: number }> = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(brokerPort: number): Promise<PubackTap> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const tap = new PubackTap(server, (server.address() as { port: number }).port);
    server.on('connection', (hub) => tap.join(hub, brokerPort));
    return tap;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  private join(hub: Socket, brokerPort: number): void {
    const broker = connect(brokerPort, '127.0.0.1');
    for (const socket of [hub, broker]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        hub.destroy();
        broker.destroy();
      });
    }
    const upward = mqttPacket.parser();
    const downward = mqttPacket.parser();
    const published = new Map<number, Buffer>();
    upward.on('packet', (packet) => {
      if (packet.cmd === 'connect') for (const parser of [upward, downward]) settingsOf(parser).protocolVersion = packet.protocolVersion ?? 4;
      if (packet.cmd !== 'puback' || packet.messageId === undefined) return;
      const payload = published.get(packet.messageId);
      if (payload) this.acknowledged.push({ payload, reasonCode: packet.reasonCode ?? 0 });
    });
    downward.on('packet', (packet) => {
      if (packet.cmd === 'publish' && packet.messageId !== undefined) published.set(packet.messageId, Buffer.from(packet.payload));
    });
    for (const parser of [upward, downward]) parser.on('error', () => undefined);
    hub.on('data', (chunk: Buffer) => {
      upward.parse(chunk);
      broker.write(chunk);
    });
    broker.on('data', (chunk: Buffer) => {
      downward.parse(chunk);
      hub.write(chunk);
    });
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }
}

function settingsOf(parser: Parser): { protocolVersion: number } {
  return (parser as unknown as { settings: { protocolVersion: number } }).settings;
}
