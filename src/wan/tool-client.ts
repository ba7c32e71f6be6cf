import mqtt, { type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';
import { classifyConnectError, connackCode, PROTOCOL_NOT_SUPPORTED } from './connect-errors.js';
import { readPem, publicBrokerUrl, type ProtocolVersion, type WanSettings } from './settings.js';
import { everyHub, parseHubTopic, HUB_STATE } from './topics.js';
import type { Eui64 } from '../../hal/radio.js';
import { withoutNagle } from './mqtt-client.js';

/**
 * A short-lived MQTT client for a person's tools (`hub send`, `hub listen`, `hub wan status`): its
 * own random client id and a clean session, so it never takes over the hub's session, and no will.
 * MQTT 5 when the broker speaks it, 3.1.1 otherwise; errors named as the hub's own link names them.
 */
export interface ToolClient {
  client: MqttClient;
  protocol: ProtocolVersion;
  close(): Promise<void>;
}

export async function connectTool(settings: WanSettings, timeoutMs = 5000): Promise<ToolClient> {
  const [ca, cert, key] = await Promise.all([readPem(settings.ca, 'wan.ca'), readPem(settings.cert, 'wan.cert'), readPem(settings.key, 'wan.key')]);
  const attempt = (protocolVersion: ProtocolVersion) =>
    mqtt.connectAsync(
      settings.broker,
      {
        protocolVersion,
        clientId: `hub-cli-${randomBytes(4).toString('hex')}`,
        clean: true,
        reconnectPeriod: 0,
        connectTimeout: timeoutMs,
        ...(settings.username === undefined ? {} : { username: settings.username }),
        ...(settings.password === undefined ? {} : { password: settings.password }),
        ...(ca ? { ca } : {}),
        ...(cert && key ? { cert, key } : {}),
      },
      false,
    );
  for (const protocol of [5, 4] as const) {
    try {
      const client = await attempt(protocol);
      client.on('error', () => undefined);
      withoutNagle(client);
      return { client, protocol, close: () => client.endAsync().then(() => undefined, () => undefined) };
    } catch (error) {
      if (protocol === 5 && PROTOCOL_NOT_SUPPORTED.has(connackCode(error) ?? -1)) continue;
      throw classifyConnectError(error, publicBrokerUrl(settings.broker));
    }
  }
  throw classifyConnectError(new Error('no protocol version accepted'), publicBrokerUrl(settings.broker));
}

/** Hubs with a retained state under the prefix, and what each says (online/offline). */
export async function findHubs(client: MqttClient, prefix: string, settleMs = 400): Promise<Map<Eui64, string>> {
  const hubs = new Map<Eui64, string>();
  const onMessage = (topic: string, payload: Buffer) => {
    const parsed = parseHubTopic(prefix, topic);
    if (parsed?.leaf === 'state') hubs.set(parsed.hub, payload.toString() === HUB_STATE.online ? 'online' : 'offline');
  };
  client.on('message', onMessage);
  const filter = everyHub(prefix, 'state');
  await client.subscribeAsync(filter, { qos: 1 });
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  await client.unsubscribeAsync(filter);
  client.off('message', onMessage);
  return hubs;
}
