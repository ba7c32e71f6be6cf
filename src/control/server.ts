import { lstat, stat, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from '../../hal/log.js';
import { dispatcher, type OperationRegistry } from './dispatch.js';
import type { ControlContext } from './operation.js';
import { CONTROL_PROTOCOL_VERSION, ControlError, LineSplitter, parseRequest, requestIdOf, toWireError, type ControlReply } from './protocol.js';

/** The socket's name inside the store directory. */
export const CONTROL_SOCKET_NAME = 'control.sock';

/** Linux's limit on a Unix socket path (sun_path, less its terminating NUL). */
const MAX_SOCKET_PATH = 107;

export function controlSocketPath(storePath: string): string {
  return join(resolve(storePath), CONTROL_SOCKET_NAME);
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

export interface ControlServerOptions {
  storePath: string;
  context: ControlContext;
  operations: OperationRegistry;
  logger: Logger;
}

/** Whether something answers on the socket (a live hub) or it is a leftover of a killed one. */
function answers(path: string): Promise<boolean> {
  return new Promise((done) => {
    const probe = createConnection(path);
    probe.once('connect', () => {
      probe.destroy();
      done(true);
    });
    probe.once('error', () => done(false));
  });
}

async function clearLeftover(path: string): Promise<void> {
  const found = await lstat(path).catch(() => undefined);
  if (!found) return;
  if (!found.isSocket()) throw new ControlError('CONTROL_SOCKET_BLOCKED', 'something that is not a socket has the control socket\'s name; remove it', { where: path });
  if (await answers(path)) throw new ControlError('CONTROL_SOCKET_IN_USE', 'another hub answers on this control socket', { where: path });
  await unlink(path);
}

/**
 * Serve the control API on a Unix socket in the store directory. Only the hub's own user (and root)
 * may connect: the socket is created mode 0600 and the kernel checks write permission on it at
 * connect(2), which is the peer-credential check; the directory must not be writable by others, so
 * no one else can put a socket of their own in its place.
 */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const path = controlSocketPath(options.storePath);
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) throw new ControlError('CONTROL_SOCKET_PATH_TOO_LONG', `a Unix socket path is at most ${MAX_SOCKET_PATH} octets; use a shorter store.path`, { where: path });
  const directory = await stat(dirname(path));
  if ((directory.mode & 0o022) !== 0) throw new ControlError('CONTROL_DIR_OPEN', 'the store directory is writable by others, so the control socket could be replaced; chmod 700 it', { where: dirname(path) });
  await clearLeftover(path);
  const connections = new Set<Socket>();
  const server = createServer((socket) => serve(socket, options, connections));
  // umask, not a chmod after listen: no moment in which the socket exists with a wider mode.
  const previous = process.umask(0o177);
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(path, () => {
        server.off('error', fail);
        done();
      });
    });
  } finally {
    process.umask(previous);
  }
  options.logger.info({ socket: path }, 'control socket listening');
  return { path, close: () => closeServer(server, connections, path) };
}

function serve(socket: Socket, options: ControlServerOptions, connections: Set<Socket>): void {
  connections.add(socket);
  const peer = dispatcher(options.operations, options.context, { channel: 'cli' }, options.logger);
  const send = (reply: ControlReply) => {
    if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
  };
  const lines = new LineSplitter(
    (line) => {
      let request;
      try {
        request = parseRequest(line);
      } catch (error) {
        send({ v: CONTROL_PROTOCOL_VERSION, id: requestIdOf(line), ok: false, error: toWireError(error) });
        return;
      }
      void peer.handle(request, send);
    },
    () => {
      send({ v: CONTROL_PROTOCOL_VERSION, id: null, ok: false, error: toWireError(new ControlError('BAD_REQUEST', 'a request line is too long', { where: 'request' })) });
      socket.end();
    },
  );
  socket.on('data', (chunk) => lines.push(chunk));
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    connections.delete(socket);
    peer.end();
  });
}

async function closeServer(server: Server, connections: Set<Socket>, path: string): Promise<void> {
  for (const socket of connections) socket.destroy();
  await new Promise<void>((done) => server.close(() => done()));
  // Node removes the socket file on close; a leftover would only mislead the CLI.
  await unlink(path).catch(() => undefined);
}
