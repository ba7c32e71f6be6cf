import { lstat } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';
import { controlSocketPath } from './server.js';
import { CONTROL_PROTOCOL_VERSION, ControlError, fromWireError, LineSplitter, type ControlReply, type RequestId } from './protocol.js';

/** Errors that mean "no hub listens here": the CLI then opens the store itself. */
const NOBODY_HOME = new Set(['ENOENT', 'ECONNREFUSED', 'ENOTDIR']);

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  onEvent?: (event: unknown) => void;
  onEnd?: (error: Error) => void;
}

export interface Subscription {
  /** Stop the stream (the connection stays open for other requests). */
  close(): Promise<void>;
}

/**
 * A connection to a running hub's control socket. `connectToHub` gives undefined when no hub is
 * running on that store; `request` resolves with the operation's result or rejects with a
 * ControlError carrying the hub's error code.
 */
export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<RequestId, Pending>();
  private closedWith: Error | undefined;

  private constructor(private readonly socket: Socket) {
    const lines = new LineSplitter((line) => this.receive(line), () => this.fail(new ControlError('CONTROL_PROTOCOL', 'the hub sent a line too long to be a reply', { where: 'control socket' })));
    socket.on('data', (chunk) => lines.push(chunk));
    socket.on('error', (error) => this.fail(new ControlError('CONTROL_CONNECTION_LOST', `the connection to the hub failed: ${error.message}`, { where: 'control socket' })));
    socket.on('close', () => this.fail(new ControlError('CONTROL_CONNECTION_LOST', 'the hub closed the connection (stopped?)', { where: 'control socket' })));
  }

  static async connect(storePath: string): Promise<ControlClient | undefined> {
    const path = controlSocketPath(storePath);
    const found = await lstat(path).catch((error: NodeJS.ErrnoException) => {
      if (NOBODY_HOME.has(error.code ?? '')) return undefined;
      throw error;
    });
    if (!found) return undefined;
    // The server's identity: a socket of our own user (or root) that no one else may open. Anything
    // else may be someone waiting for a PIN, so it is refused rather than spoken to. Root (sudo) may
    // speak to the service user's hub.
    const uid = process.getuid?.();
    const owner = uid === undefined || uid === 0 || found.uid === uid || found.uid === 0;
    if (!found.isSocket() || !owner || (found.mode & 0o077) !== 0) {
      throw new ControlError('CONTROL_SOCKET_UNTRUSTED', 'is not a socket that only this user (or root) owns and may open; not speaking to it', { where: path });
    }
    return new Promise((resolve, reject) => {
      const socket = createConnection(path);
      socket.once('connect', () => resolve(new ControlClient(socket)));
      socket.once('error', (error: NodeJS.ErrnoException) => {
        // A leftover socket of a hub that was killed: no hub is running.
        if (NOBODY_HOME.has(error.code ?? '')) resolve(undefined);
        else reject(new ControlError('CONTROL_CONNECT_FAILED', `cannot connect to the running hub: ${error.message}`, { where: path }));
      });
    });
  }

  request<R = unknown>(op: string, args: Record<string, unknown> = {}): Promise<R> {
    return this.send(op, args) as Promise<R>;
  }

  /** `onEnd` hears why a stream stopped without `close` (the hub stopped, the connection broke). `op`: another streaming operation (`pair.watch`). */
  async subscribe(args: Record<string, unknown>, onEvent: (event: unknown) => void, onEnd?: (error: Error) => void, op = 'subscribe'): Promise<Subscription> {
    const id = this.nextId;
    await this.send(op, args, { onEvent, ...(onEnd ? { onEnd } : {}) });
    return {
      close: async () => {
        await this.send('unsubscribe', { id });
        this.pending.delete(id);
      },
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  private send(op: string, args: Record<string, unknown>, stream?: Pick<Pending, 'onEvent' | 'onEnd'>): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...stream });
      this.socket.write(`${JSON.stringify({ v: CONTROL_PROTOCOL_VERSION, id, op, args })}\n`);
    });
  }

  private receive(line: string): void {
    let reply: ControlReply;
    try {
      reply = JSON.parse(line) as ControlReply;
    } catch {
      this.fail(new ControlError('CONTROL_PROTOCOL', 'the hub sent a line that is not JSON', { where: 'control socket' }));
      return;
    }
    if (reply.id === null) {
      if ('ok' in reply && !reply.ok) this.fail(fromWireError(reply.error));
      return;
    }
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    if ('event' in reply) {
      waiting.onEvent?.(reply.event);
      return;
    }
    // A stream's entry stays to route its events; a plain request's goes.
    if (!waiting.onEvent || !reply.ok) this.pending.delete(reply.id);
    if (reply.ok) waiting.resolve(reply.result);
    else waiting.reject(fromWireError(reply.error));
  }

  private fail(error: Error): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const waiting of this.pending.values()) {
      waiting.reject(error);
      waiting.onEnd?.(error);
    }
    this.pending.clear();
  }
}
