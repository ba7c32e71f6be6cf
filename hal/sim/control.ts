import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { HubError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { ControlError, MAX_LINE_LENGTH, parseControlRequest, sendPayloads, type ControlRequest } from './control-protocol.js';
import type { ReceivedMessage, SendOutcome } from './device.js';
import type { Simulator, SimulatorEvents } from './simulator.js';

/**
 * The simulator's control interface: newline-delimited JSON over TCP on 127.0.0.1, so a test or a
 * person (`nc 127.0.0.1 PORT`) can drive the HAN of a `hub sim` in another process. Replies carry
 * the request's `id`; events are pushed to every client that has not muted them. See README.md.
 * With a token (what `hub sim` always sets: its control port hands out install codes and resets
 * the NCP), a client's first request must be `auth` with it; until then nothing else is answered
 * and no event is pushed, and a wrong token ends the connection.
 */
type Reply = Record<string, unknown>;

/** A received message or a send outcome as JSON: the payload as hex. */
function withHexPayload<T extends ReceivedMessage | SendOutcome>(entry: T): Omit<T, 'payload'> & { payload: string } {
  return { ...entry, payload: entry.payload.toString('hex') };
}

async function perform(sim: Simulator, request: ControlRequest): Promise<Reply> {
  switch (request.op) {
    case 'status':
      return { status: sim.status() };
    case 'devices':
      return { devices: sim.status().devices };
    case 'join':
      return { outcome: sim.join(request.eui64!) };
    case 'send': {
      const { profileId, clusterId, sourceEndpoint, destinationEndpoint } = request;
      const address = Object.fromEntries(Object.entries({ profileId, clusterId, sourceEndpoint, destinationEndpoint }).filter(([, v]) => v !== undefined));
      return { apsCounters: sim.send(request.from!, sendPayloads(request), address) };
    }
    case 'received': {
      const since = request.since ?? 0;
      const messages = sim.received(request.eui64!).slice(since).map((m, i) => ({ index: since + i, ...withHexPayload(m) }));
      // And the GBCS messages that came through the Device's tunnels, each whole.
      const gbcs = sim.tunnelled(request.eui64!).map((m) => ({ index: m.index, at: m.at, gbcs: m.gbcs.toString('hex') }));
      return { messages, gbcs };
    }
    case 'sendGbcs':
      sim.sendGbcs(request.from!, Buffer.from(request.gbcs!, 'hex'));
      return {};
    case 'outcomes': {
      const since = request.since ?? 0;
      const device = sim.device(request.eui64!);
      const outcomes = sim.outcomes(request.eui64!).slice(since).map((o, i) => ({ index: since + i, ...withHexPayload(o) }));
      return { outcomes, pending: device.pending() };
    }
    case 'fault': {
      const { op: _op, id: _id, ...faults } = request;
      sim.setFaults(faults);
      return { faults: sim.status().faults };
    }
    case 'resetNcp':
      await sim.resetNcp(request.announce);
      return {};
    case 'replaceNcp':
      await sim.replaceNcp();
      return {};
    case 'wake':
      sim.device(request.eui64!).wake();
      return {};
    case 'events':
    case 'auth':
      return {}; // handled per client
    case 'ota': {
      const client = sim.otaClient(request.eui64!);
      if (request.queryOnWake !== undefined) client.configure({ queryOnWake: request.queryOnWake });
      if (request.query) client.query();
      const activated = request.activate === undefined ? {} : { activated: client.activate(request.activate) };
      return { ...activated, ota: client.status() };
    }
  }
}

/** Events as JSON objects; payloads as hex. */
function eventJson<E extends keyof SimulatorEvents>(name: E, args: SimulatorEvents[E]): Reply {
  switch (name) {
    case 'linkDown':
      return { event: name, reason: args[0] };
    case 'ncpReset':
      return { event: name, announce: args[0] };
    case 'joiningChanged':
      return { event: name, open: args[0] };
    case 'deviceJoined':
    case 'joinRefused':
    case 'deviceLeft':
      return { event: name, ...(args[0] as object) };
    case 'messageReceived': {
      const [eui64, message] = args as SimulatorEvents['messageReceived'];
      return { event: name, eui64, ...withHexPayload(message) };
    }
    case 'gbcsReceived': {
      const [eui64, message] = args as SimulatorEvents['gbcsReceived'];
      return { event: name, eui64, index: message.index, at: message.at, gbcs: message.gbcs.toString('hex') };
    }
    case 'sendDone': {
      const [eui64, outcome] = args as SimulatorEvents['sendDone'];
      return { event: name, eui64, ...withHexPayload(outcome) };
    }
    default:
      return { event: name };
  }
}

const EVENTS: ReadonlyArray<keyof SimulatorEvents> = [
  'booted',
  'linkDown',
  'ncpReset',
  'networkUp',
  'networkDown',
  'joiningChanged',
  'deviceJoined',
  'joinRefused',
  'deviceLeft',
  'messageReceived',
  'sendDone',
  'gbcsReceived',
];

class ControlClient {
  private buffer = '';
  muted = false;
  private authenticated: boolean;

  constructor(
    private readonly socket: Socket,
    private readonly sim: Simulator,
    private readonly log: Logger,
    private readonly token: string | undefined,
  ) {
    this.authenticated = token === undefined;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.onData(text));
    socket.on('error', (error) => this.log.debug({ err: error.message }, 'control client error'));
  }

  write(reply: Reply): void {
    if (!this.socket.destroyed) this.socket.write(`${JSON.stringify(reply)}\n`);
  }

  /** Pushed events go only to authenticated clients that have not muted them. */
  get listening(): boolean {
    return this.authenticated && !this.muted;
  }

  /** Whether the request may go ahead; answers (and, for a wrong token, hangs up) when not. */
  private admit(request: ControlRequest): boolean {
    if (request.op === 'auth') {
      const given = Buffer.from(request.token ?? '');
      const wanted = Buffer.from(this.token ?? '');
      if (this.token !== undefined && (given.length !== wanted.length || !timingSafeEqual(given, wanted))) {
        throw new ControlError('CONTROL_BAD_TOKEN', 'the token does not match the one in the simulator\'s token file', { where: 'auth' });
      }
      this.authenticated = true;
      return true;
    }
    if (this.authenticated) return true;
    throw new ControlError('CONTROL_UNAUTHENTICATED', 'send {"op":"auth","token":…} first, with the token from the file `hub sim` named (controlTokenFile)', { where: request.op });
  }

  private onData(text: string): void {
    this.buffer += text;
    if (this.buffer.length > MAX_LINE_LENGTH && !this.buffer.includes('\n')) {
      this.write({ ok: false, error: { code: 'CONTROL_LINE_TOO_LONG', message: `a request line is at most ${MAX_LINE_LENGTH} characters` } });
      this.buffer = '';
      return;
    }
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) void this.handle(line);
    }
  }

  private async handle(line: string): Promise<void> {
    let id: unknown;
    try {
      id = (JSON.parse(line) as { id?: unknown } | null)?.id;
    } catch {
      id = undefined;
    }
    try {
      const request = parseControlRequest(line);
      this.admit(request);
      if (request.op === 'events') this.muted = !request.enabled;
      const result = await perform(this.sim, request);
      this.write({ id, ok: true, ...result });
    } catch (error) {
      if (error instanceof HubError) {
        this.write({ id, ok: false, error: { code: error.code, message: error.message } });
        if (error.code === 'CONTROL_BAD_TOKEN') {
          this.log.warn('control client gave a wrong token; connection closed');
          this.socket.end();
        }
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      this.log.error({ err: message }, 'control request failed');
      this.write({ id, ok: false, error: { code: 'CONTROL_INTERNAL', message } });
    }
  }
}

export class ControlServer {
  private server: Server | undefined;
  private readonly clients = new Set<ControlClient>();
  private readonly sockets = new Set<Socket>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    private readonly sim: Simulator,
    private readonly log: Logger = silentLogger,
    /** Required of every client (`auth`) when set. */
    private readonly token?: string,
  ) {}

  /** Listen on 127.0.0.1:`port` (0 = a free port); resolves with the port. */
  async listen(port: number): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new ControlError('CONTROL_LISTEN_FAILED', error.message, { where: `tcp://127.0.0.1:${port}`, cause: error })));
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    for (const name of EVENTS) {
      const listener = (...args: unknown[]) => this.broadcast(eventJson(name, args as never));
      this.sim.on(name, listener as never);
      this.unsubscribe.push(() => this.sim.off(name, listener as never));
    }
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  private accept(socket: Socket): void {
    const client = new ControlClient(socket, this.sim, this.log, this.token);
    this.clients.add(client);
    this.sockets.add(socket);
    socket.once('close', () => {
      this.clients.delete(client);
      this.sockets.delete(socket);
    });
  }

  private broadcast(event: Reply): void {
    for (const client of this.clients) if (client.listening) client.write(event);
  }

  async close(): Promise<void> {
    for (const stop of this.unsubscribe.splice(0)) stop();
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
