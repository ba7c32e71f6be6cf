import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import type { Clock } from '../clock.js';
import { TransportError, type Transport, type TransportEvents } from './transport.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export interface TcpTransportOptions {
  host: string;
  port: number;
  /** How long to wait for the TCP handshake before giving up with TIMEOUT. */
  connectTimeoutMs?: number;
  clock: Clock;
}

/** `tcp://host:port`, with IPv6 literals in brackets. */
export function tcpUrl(host: string, port: number): string {
  return `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function connectError(error: unknown, where: string, host: string): TransportError {
  const code = (error as { code?: unknown }).code;
  const reason = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return new TransportError(
        'CONNECTION_REFUSED',
        'nothing is listening there. Is the coordinator (ser2net or the network adapter) powered and configured for this port?',
        { where, cause: error },
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new TransportError('BAD_ADDRESS', `no host named ${host} could be found (check the name or use its IP address)`, {
        where,
        cause: error,
      });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new TransportError('TIMEOUT', `the host cannot be reached from this machine (${reason})`, { where, cause: error });
    default:
      return new TransportError('IO_ERROR', `connection failed: ${reason}`, { where, cause: error });
  }
}

/**
 * A Transport over one TCP connection: the client side for network-attached coordinators
 * (ser2net style, `tcp://host:port`), and the accepted side of `TcpTransportServer`. Chunks are
 * whatever the socket read; TCP keeps no ASH framing.
 */
export class TcpTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly description: string;
  private socket: Socket | undefined;
  private closing = false;

  private constructor(
    private readonly options: TcpTransportOptions | undefined,
    description: string,
  ) {
    super();
    this.description = description;
  }

  /** A client that connects to `host:port` on `open()`. */
  static client(options: TcpTransportOptions): TcpTransport {
    return new TcpTransport(options, tcpUrl(options.host, options.port));
  }

  /** The Transport for a socket that is already connected (the server side); it is open at once. */
  static accepted(socket: Socket): TcpTransport {
    const transport = new TcpTransport(undefined, `tcp client ${tcpUrl(socket.remoteAddress ?? '?', socket.remotePort ?? 0)}`);
    transport.adopt(socket);
    return transport;
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    const options = this.options;
    if (!options) throw new TransportError('NOT_OPEN', 'an accepted connection cannot be reopened once closed', { where: this.description });
    const clock = options.clock;
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const socket = connect({ host: options.host, port: options.port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        socket.destroy();
        reject(
          new TransportError('TIMEOUT', `no answer within ${timeoutMs} ms. Is the host up, and is a firewall dropping the port?`, {
            where: this.description,
          }),
        );
      }, timeoutMs);
      socket.once('connect', () => {
        timer.cancel();
        socket.off('error', onError);
        resolve();
      });
      const onError = (error: Error): void => {
        timer.cancel();
        socket.destroy();
        reject(connectError(error, this.description, options.host));
      };
      socket.once('error', onError);
    });
    this.adopt(socket);
  }

  private adopt(socket: Socket): void {
    this.socket = socket;
    this.closing = false;
    socket.setNoDelay(true);
    let lastError: Error | undefined;
    socket.on('data', (chunk: Buffer) => this.emit('data', chunk));
    socket.on('error', (error) => {
      lastError = error;
    });
    socket.once('close', () => {
      if (this.socket === socket) this.socket = undefined;
      if (this.closing) {
        this.closing = false;
        this.emit('close');
        return;
      }
      const why = lastError ? `the connection broke (${lastError.message})` : 'the other end closed the connection';
      this.emit('close', new TransportError('DISCONNECTED', why, { where: this.description, cause: lastError }));
    });
  }

  async write(bytes: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.destroyed || !socket.writable) {
      throw new TransportError('NOT_OPEN', 'write on a connection that is not open', { where: this.description });
    }
    await new Promise<void>((resolve, reject) => {
      socket.write(Buffer.from(bytes), (error) =>
        error ? reject(new TransportError('DISCONNECTED', `write failed: ${error.message}`, { where: this.description, cause: error })) : resolve(),
      );
    });
  }

  async close(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    this.closing = true;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // Send what is queued, then let go without waiting for the peer to agree.
    socket.end(() => socket.destroy());
    await closed;
  }
}
