import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { TcpTransport, tcpUrl } from './tcp.js';
import { TransportError } from './transport.js';

export interface TcpServerOptions {
  /** Default 127.0.0.1: a simulated radio should not be reachable from the network by accident. */
  host?: string;
  /** 0 picks a free port; read the one chosen from `listen()`'s result. */
  port: number;
  /**
   * What to do when a client connects while another is attached. `replace` (default) drops the old
   * one: a host that restarted may leave a half-open connection behind that would otherwise lock
   * it out, and a closing client's FIN can arrive after its successor's SYN. `reject` turns the
   * newcomer away.
   */
  whenBusy?: 'replace' | 'reject';
}

export interface BoundAddress {
  host: string;
  port: number;
  /** What a client passes to `openTransport`, e.g. `tcp://127.0.0.1:40123`. */
  url: string;
}

export interface TcpServerEvents {
  /** A client connected; the Transport is already open. */
  connection: [transport: TcpTransport];
  /** A second client tried to connect while one was attached and was turned away (`whenBusy: 'reject'`). */
  rejected: [remote: string];
  /** A new client took over from the attached one, which was disconnected (`whenBusy: 'replace'`). */
  replaced: [previous: string];
}

function listenError(error: unknown, where: string): TransportError {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'EADDRINUSE':
      return new TransportError('PORT_BUSY', 'another process is already listening on this port; pick another or port 0', { where, cause: error });
    case 'EACCES':
      return new TransportError('PERMISSION_DENIED', 'ports below 1024 need privileges; pick a port above 1024', { where, cause: error });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new TransportError('BAD_ADDRESS', 'this machine has no such address to listen on', { where, cause: error });
    default:
      return new TransportError('IO_ERROR', `cannot listen: ${error instanceof Error ? error.message : String(error)}`, { where, cause: error });
  }
}

/**
 * The listening side of a TCP line, for the simulated NCP: it behaves like one serial port, so it
 * serves one client at a time (see `whenBusy` for what happens to a second).
 */
export class TcpTransportServer extends EventEmitter<TcpServerEvents> {
  private server: Server | undefined;
  private current: TcpTransport | undefined;
  private bound: BoundAddress | undefined;

  constructor(private readonly options: TcpServerOptions) {
    super();
  }

  get address(): BoundAddress | undefined {
    return this.bound;
  }

  /** The attached client, if any. */
  get client(): TcpTransport | undefined {
    return this.current;
  }

  async listen(): Promise<BoundAddress> {
    if (this.bound) return this.bound;
    const host = this.options.host ?? '127.0.0.1';
    const where = tcpUrl(host, this.options.port);
    const server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(listenError(error, where)));
      server.listen(this.options.port, host, () => resolve());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new TransportError('IO_ERROR', 'the server reported no TCP address', { where });
    this.server = server;
    this.bound = { host: address.address, port: address.port, url: tcpUrl(address.address, address.port) };
    return this.bound;
  }

  private accept(socket: Socket): void {
    const previous = this.current;
    if (previous && (this.options.whenBusy ?? 'replace') === 'reject') {
      this.emit('rejected', tcpUrl(socket.remoteAddress ?? '?', socket.remotePort ?? 0));
      socket.destroy();
      return;
    }
    if (previous) {
      this.current = undefined;
      void previous.close();
      this.emit('replaced', previous.description);
    }
    const transport = TcpTransport.accepted(socket);
    this.current = transport;
    transport.once('close', () => {
      if (this.current === transport) this.current = undefined;
    });
    this.emit('connection', transport);
  }

  /** Stop listening and drop the attached client. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.bound = undefined;
    await this.current?.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
