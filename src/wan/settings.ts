import { readFile } from 'node:fs/promises';
import type { IClientOptions } from 'mqtt';
import type { Eui64 } from '../../hal/radio.js';
import type { HubConfig } from '../config.js';
import { WanError } from './errors.js';
import type { OutboxQuota } from './outbox.js';
import { DEFAULT_TOPIC_PREFIX, HUB_STATE, TOPIC_LEAVES, type HubTopics } from './topics.js';

/**
 * What the WAN link needs to reach its broker: `src/config.ts`'s `wan` section, resolved (its
 * fields are typed there, once); the broker is known by now, the quota and timings may be left out.
 */
export type WanSettings = Pick<HubConfig['wan'], 'clientId' | 'username' | 'password' | 'ca' | 'cert' | 'key'> & {
  /** mqtt://, mqtts://, ws:// or wss:// with host and port. */
  broker: string;
  topicPrefix?: HubConfig['wan']['topicPrefix'];
  outbox?: Partial<OutboxQuota>;
  telemetrySeconds?: HubConfig['wan']['telemetrySeconds'];
};

export type ProtocolVersion = 4 | 5;

export const PROTOCOL_NAME: Record<ProtocolVersion, '5' | '3.1.1'> = { 5: '5', 4: '3.1.1' };

/** How long the broker keeps the hub's session (its subscription and the commands queued for it) while the hub is away. */
export const SESSION_EXPIRY_SECONDS = 7 * 24 * 3600;
const KEEPALIVE_SECONDS = 30;
/** The largest MQTT packet the hub takes (MQTT 5 tells the broker so): room for any GBCS command, well short of the 256 MB MQTT allows. */
export const MAXIMUM_PACKET_OCTETS = 256 * 1024;
const CONNECT_TIMEOUT_MS = 10_000;

const SCHEMES = new Set(['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:', 'tls:']);

/** The broker URL without any user name or password in it, fit for logs and telemetry. */
export function publicBrokerUrl(broker: string): string {
  try {
    const url = new URL(broker);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(not a URL)';
  }
}

export function checkBrokerUrl(broker: string, where = 'wan.broker'): URL {
  let url: URL;
  try {
    url = new URL(broker);
  } catch {
    throw new WanError('WAN_BAD_URL', `"${publicBrokerUrl(broker)}" is not a URL (mqtt://host:1883 or mqtts://host:8883)`, { where });
  }
  if (!SCHEMES.has(url.protocol) || url.hostname === '') {
    throw new WanError('WAN_BAD_URL', `"${publicBrokerUrl(broker)}" is not an MQTT URL (mqtt://, mqtts://, ws:// or wss:// with a host)`, { where });
  }
  return url;
}

/** A PEM file the config names, or a WanError naming the setting and the path. */
export async function readPem(path: string | undefined, key: string): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(cause);
    throw new WanError('WAN_TLS_FILE', `${key}: ${why}`, { where: path, cause });
  }
}

/** mqtt.js options for one connection attempt: a persistent session, QoS 1 will, no automatic reconnect (the link owns retries). */
export async function connectOptions(settings: WanSettings, hub: Eui64, topics: HubTopics, version: ProtocolVersion, receiveMaximum: number): Promise<IClientOptions> {
  const [ca, cert, key] = await Promise.all([readPem(settings.ca, 'wan.ca'), readPem(settings.cert, 'wan.cert'), readPem(settings.key, 'wan.key')]);
  if ((cert === undefined) !== (key === undefined)) {
    throw new WanError('WAN_TLS_FILE', 'a client certificate needs both wan.cert and wan.key', { where: cert ? 'wan.key' : 'wan.cert' });
  }
  const v5 = version === 5;
  return {
    protocolVersion: version,
    clientId: settings.clientId ?? `hub-${hub}`,
    clean: false,
    keepalive: KEEPALIVE_SECONDS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    reconnectPeriod: 0,
    resubscribe: false,
    ...(settings.username === undefined ? {} : { username: settings.username }),
    ...(settings.password === undefined ? {} : { password: settings.password }),
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    rejectUnauthorized: true,
    ...(v5 ? { properties: { sessionExpiryInterval: SESSION_EXPIRY_SECONDS, receiveMaximum, maximumPacketSize: MAXIMUM_PACKET_OCTETS } } : {}),
    will: {
      topic: topics.state,
      payload: Buffer.from(HUB_STATE.offline),
      qos: 1,
      retain: true,
      ...(v5 ? { properties: { contentType: TOPIC_LEAVES.state.contentType } } : {}),
    },
  };
}

export const topicPrefixOf = (settings: WanSettings): string => settings.topicPrefix ?? DEFAULT_TOPIC_PREFIX;

/** The config file's `wan` section as WanSettings, with the broker to use (the embedded one's URL when the file names none). */
export function wanSettingsFromConfig(wan: HubConfig['wan'], broker: string): WanSettings {
  return {
    broker,
    ...(wan.clientId === undefined ? {} : { clientId: wan.clientId }),
    ...(wan.username === undefined ? {} : { username: wan.username }),
    ...(wan.password === undefined ? {} : { password: wan.password }),
    ...(wan.ca === undefined ? {} : { ca: wan.ca }),
    ...(wan.cert === undefined ? {} : { cert: wan.cert }),
    ...(wan.key === undefined ? {} : { key: wan.key }),
    topicPrefix: wan.topicPrefix,
    outbox: { maxMessages: wan.outboxMaxMessages, maxBytes: wan.outboxMaxBytes, alarmPercent: wan.outboxAlarmPercent },
    telemetrySeconds: wan.telemetrySeconds,
  };
}
