import { timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { EmbeddedLogins } from './embedded-login.js';
import { DEFAULT_TOPIC_PREFIX, TOPIC_LEAVES, type TopicLeaf } from './topics.js';

/**
 * The broker `hub start` runs in-process when the config names none: aedes on a free port of
 * 127.0.0.1 (port 0, so it works whatever already listens on 1883), so a newcomer can watch
 * commands and alerts flow with `hub listen` and `hub send`. It speaks MQTT 3.1.1, keeps sessions
 * in memory only, and is for trying the hub out, not for a head end.
 *
 * Any local user can reach 127.0.0.1, so it takes only the two logins kept beside the store
 * (embedded-login.ts), and each may do only its part: `tools` publish commands and images (the
 * downstream leaves) and read anything; `hub` reads only the downstream leaves and publishes
 * everything else (its state, alerts, telemetry and responses, which may go to any topic a command
 * names), so neither can pass for the other.
 */
export interface EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host?: string;
  port?: number;
  logins: EmbeddedLogins;
  topicPrefix?: string;
}

/** CONNACK 5, not authorised (MQTT 3.1.1). */
const NOT_AUTHORISED = 5;

function matches(given: Buffer | undefined, wanted: string): boolean {
  const want = Buffer.from(wanted);
  return given !== undefined && given.length === want.length && timingSafeEqual(given, want);
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const prefix = options.topicPrefix ?? DEFAULT_TOPIC_PREFIX;
  const { hub, tools } = options.logins;
  const roles = new WeakMap<Client, 'hub' | 'tools'>();
  const downstream = (topic: string): boolean => {
    if (!topic.startsWith(`${prefix}/`)) return false;
    // The lab head end's requests to the hub's control API (src/control/mqtt.ts) go down too.
    if (topic.endsWith('/control/request')) return true;
    const leaf = topic.split('/').pop() as TopicLeaf;
    return Object.hasOwn(TOPIC_LEAVES, leaf) && TOPIC_LEAVES[leaf].direction === 'down';
  };
  const aedes = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      const role = username === hub.username && matches(password, hub.password) ? 'hub' : username === tools.username && matches(password, tools.password) ? 'tools' : undefined;
      if (!role) {
        const error = Object.assign(new Error('not authorised: the embedded broker takes only the logins in the store directory'), { returnCode: NOT_AUTHORISED }) as AuthenticateError;
        return done(error, false);
      }
      roles.set(client, role);
      done(null, true);
    },
    authorizePublish: (client, packet, callback) => {
      const role = client ? roles.get(client) : undefined;
      const allowed = role === 'tools' ? downstream(packet.topic) : role === 'hub' && !downstream(packet.topic) && !packet.topic.startsWith('$');
      callback(allowed ? null : new Error(`${role ?? 'nobody'} may not publish to ${packet.topic}`));
    },
    authorizeSubscribe: (client, subscription, callback) => {
      const role = roles.get(client);
      const allowed = role === 'tools' || (role === 'hub' && downstream(subscription.topic));
      callback(null, allowed ? subscription : null);
    },
  });
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    aedes.handle(socket);
  });
  const host = options.host ?? '127.0.0.1';
  server.listen(options.port ?? 0, host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  const port = (server.address() as { port: number }).port;
  return {
    url: `mqtt://${host}:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
