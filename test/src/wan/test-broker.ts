import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { readFileSync } from 'node:fs';
import { Aedes } from 'aedes';
import { commandRuns, UNDER_CI } from '../../helpers/prerequisites.js';
import { freeTcpPort } from '../../helpers/ports.js';

/**
 * A broker for one test, on a free port of 127.0.0.1, that the test may stop and start again on the
 * same port: a real mosquitto (`mosquitto -c <generated conf>` in a temp dir, persistence on).
 * Without mosquitto, under CI=true the test fails naming it; in a local run only, the embedded
 * aedes broker stands in, says so, and `kind` lets the test weaken what aedes cannot do (MQTT 5,
 * the order of redeliveries).
 */
export interface TestBrokerOptions {
  tls?: { ca: string; cert: string; key: string };
  /** mosquitto ACL lines (`topic read gbcs/#`...) for every client; mosquitto only. */
  acl?: string[];
  /** Listen here rather than on a free port (a hub may already be trying this address). */
  port?: number;
  /** Refuse anonymous clients; accept only this login. */
  login?: { username: string; password: string };
}

export interface TestBroker {
  readonly kind: 'mosquitto' | 'aedes';
  /** How it is configured, in a few words (for benchmark notes). */
  readonly configuration: string;
  readonly port: number;
  readonly url: string;
  /** Stop (SIGTERM for mosquitto, so it saves its sessions); `start` brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/** Why there is no mosquitto here, or undefined when there is. */
export const mosquittoMissing = (): string | undefined =>
  commandRuns('mosquitto', ['-h']) ? undefined : 'mosquitto is not installed (Debian package mosquitto): the WAN tests need a real MQTT broker';

async function waitForPort(port: number, deadlineMs = 5000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket: Socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

class Mosquitto implements TestBroker {
  readonly kind = 'mosquitto';
  private child: ChildProcess | undefined;
  private log = '';

  constructor(
    readonly port: number,
    private readonly confPath: string,
    readonly url: string,
    readonly configuration: string,
  ) {}

  async start(): Promise<void> {
    const child = spawn('mosquitto', ['-c', this.confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child = child;
    const exited = once(child, 'exit').then(() => {
      throw new Error(`mosquitto exited at start:\n${this.log}`);
    });
    await Promise.race([waitForPort(this.port), exited]);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  }

  dispose(): Promise<void> {
    return this.stop();
  }
}

async function startMosquitto(options: TestBrokerOptions): Promise<TestBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-wan-mosquitto-'));
  const port = options.port ?? (await freeTcpPort());
  const lines = [
    `listener ${port} 127.0.0.1`,
    'persistence true',
    `persistence_location ${dir}/`,
    'max_queued_messages 0',
    'max_inflight_messages 64',
    'set_tcp_nodelay true',
    'log_dest stderr',
    'log_type error',
  ];
  if (process.getuid?.() === 0) lines.push('user root');
  if (options.tls) lines.push(`cafile ${options.tls.ca}`, `certfile ${options.tls.cert}`, `keyfile ${options.tls.key}`, 'require_certificate true');
  if (options.login) {
    const passwords = join(dir, 'passwords');
    await writeFile(passwords, '');
    const made = spawnSync('mosquitto_passwd', ['-b', passwords, options.login.username, options.login.password]);
    if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr.toString()}`);
    lines.push(`password_file ${passwords}`, 'allow_anonymous false');
  } else {
    lines.push('allow_anonymous true');
  }
  if (options.acl) {
    const aclFile = join(dir, 'acl');
    await writeFile(aclFile, options.acl.join('\n') + '\n');
    lines.push(`acl_file ${aclFile}`);
  }
  const confPath = join(dir, 'mosquitto.conf');
  await writeFile(confPath, lines.join('\n') + '\n');
  const settings = lines.filter((line) => !/^(listener|persistence_location|log_|user |cafile|certfile|keyfile|password_file|acl_file)/.test(line));
  const configuration = `mosquitto on 127.0.0.1:${port} started for this run (${settings.join(', ')})`;
  const broker = new Mosquitto(port, confPath, `${options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`, configuration);
  await broker.start();
  return broker;
}

/** The fallback: aedes keeps its sessions in memory, so a stop closes the listener and every connection but not the broker. */
class EmbeddedTestBroker implements TestBroker {
  readonly kind = 'aedes';
  readonly configuration = 'embedded aedes, sessions in memory';
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly aedes: Aedes,
    readonly port: number,
    private readonly options: TestBrokerOptions,
  ) {}

  get url(): string {
    return `${this.options.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const tls = this.options.tls;
    const server = tls
      ? createTlsServer({ ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key), requestCert: true, rejectUnauthorized: true }, this.aedes.handle)
      : createServer(this.aedes.handle);
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  async dispose(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => this.aedes.close(() => resolve()));
  }
}

export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const missing = mosquittoMissing();
  if (missing === undefined) return startMosquitto(options);
  if (UNDER_CI) throw new Error(`${missing}; under CI=true the embedded aedes fallback is not used`);
  process.stderr.write(`${missing}: this local run uses the embedded aedes broker instead (MQTT 3.1.1, weaker ordering checks; CI fails instead)\n`);
  const aedes = await Aedes.createBroker();
  const login = options.login;
  if (login) {
    aedes.authenticate = (_client, username, password, done) => {
      const ok = username === login.username && password?.toString() === login.password;
      done(ok ? null : Object.assign(new Error('bad login'), { returnCode: 4 as const }), ok);
    };
  }
  const broker = new EmbeddedTestBroker(aedes, options.port ?? (await freeTcpPort()), options);
  await broker.start();
  return broker;
}
