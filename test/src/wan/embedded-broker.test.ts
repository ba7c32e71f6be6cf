import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../../src/wan/embedded-broker.js';
import { EMBEDDED_LOGINS_FILE, embeddedLogins, type BrokerLogin } from '../../../src/wan/embedded-login.js';
import { hubTopics } from '../../../src/wan/topics.js';
import { HUB } from './rig.js';

/**
 * The broker `npm start` runs listens on 127.0.0.1, which every local user can reach: it takes only
 * the logins made beside the store, owner-only, and lets neither the hub nor the tools do the
 * other's part, so nobody can read the topics without a login or pass for the hub (its retained
 * state, its alerts) or for the head end (commands).
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function client(url: string, login?: BrokerLogin): Promise<MqttClient> {
  const made = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...login });
  made.on('error', () => undefined);
  cleanups.push(() => made.endAsync(true));
  return made;
}

/** Publish at QoS 1; settles when the broker acknowledges or, refusing it, closes the connection. */
function attempt(from: MqttClient, topic: string, payload: string, retain = false): Promise<'acknowledged' | 'closed'> {
  return new Promise((resolve) => {
    from.once('close', () => resolve('closed'));
    from.publish(topic, payload, { qos: 1, retain }, (error) => resolve(error ? 'closed' : 'acknowledged'));
  });
}

/** What a fresh subscriber gets on `topic` within a moment (the retained message, if any). */
async function retained(url: string, login: BrokerLogin, topic: string): Promise<string[]> {
  const reader = await client(url, login);
  const got: string[] = [];
  reader.on('message', (_topic, payload) => got.push(payload.toString()));
  await reader.subscribeAsync(topic, { qos: 1 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  return got;
}

it('takes only the owner-only logins beside the store, and lets each do only its own part', async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'hub-embedded-')), 'data');
  const logins = await embeddedLogins(dir);
  expect((await stat(join(dir, EMBEDDED_LOGINS_FILE))).mode & 0o777).toBe(0o600);
  expect(await embeddedLogins(dir)).toEqual(logins);
  const broker = await startEmbeddedBroker({ logins });
  cleanups.push(() => broker.close());
  const topics = hubTopics('gbcs', HUB);

  await expect(client(broker.url)).rejects.toThrow(/not authori[sz]ed/i);
  await expect(client(broker.url, { username: logins.tools.username, password: 'guessed-password-123' })).rejects.toThrow(/not authori[sz]ed/i);

  const hub = await client(broker.url, logins.hub);
  await hub.publishAsync(topics.state, 'online', { qos: 1, retain: true });
  // The hub reads commands, never the head end's other traffic.
  expect((await hub.subscribeAsync(topics.command, { qos: 1 })).map((g) => g.qos)).toEqual([1]);
  await expect(hub.subscribeAsync('gbcs/+/alert', { qos: 1 })).rejects.toThrow(/Subscribe error/);

  // The tools may not pass for the hub: a spoofed retained state or alert never lands.
  const tools = await client(broker.url, logins.tools);
  expect(await attempt(tools, topics.state, 'offline', true)).toBe('closed');
  expect(await attempt(await client(broker.url, logins.tools), topics.alert, 'forged')).toBe('closed');
  expect(await retained(broker.url, logins.tools, topics.state)).toEqual(['online']);

  // And the hub may not pass for the head end: a command it publishes reaches nobody.
  const commands = await client(broker.url, logins.tools);
  const heard: string[] = [];
  commands.on('message', (_topic, payload) => heard.push(payload.toString()));
  await commands.subscribeAsync(topics.command, { qos: 1 });
  expect(await attempt(hub, topics.command, 'from the hub')).toBe('closed');
  const genuine = await client(broker.url, logins.tools);
  await genuine.publishAsync(topics.command, 'from the head end', { qos: 1 });
  for (let wait = 0; heard.length < 1 && wait < 100; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(heard).toEqual(['from the head end']);
});
