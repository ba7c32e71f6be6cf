import { parseEui64 } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import { WanError } from './errors.js';

/**
 * The hub's MQTT topics, one set per hub keyed by the CHF's EUI-64 (16 upper-case hex digits):
 * `<prefix>/<CHF>/<leaf>`. GBCS travels as raw bytes; only telemetry is JSON. README.md ("WAN
 * topics") is the reader's copy of this table.
 */
export const TOPIC_LEAVES = {
  /** Downstream: GBCS commands for the CHF, the GPF or a HAN Device behind the hub. */
  command: { direction: 'down', contentType: 'application/gbcs', retained: false },
  /** Upstream: GBCS responses (the default response topic when a command names none). */
  response: { direction: 'up', contentType: 'application/gbcs', retained: false },
  /** Upstream: GBCS alerts, the hub's own and those relayed from HAN Devices. */
  alert: { direction: 'up', contentType: 'application/gbcs', retained: false },
  /** Upstream: a JSON report for each command the hub could not relay to its HAN Device (see relay-report.ts). */
  relay: { direction: 'up', contentType: 'application/json', retained: false },
  /** Upstream, retained: `online`, or `offline` (also the last will). */
  state: { direction: 'up', contentType: 'text/plain', retained: true },
  /** Upstream, retained: a JSON snapshot of the hub's health (see telemetry.ts). */
  telemetry: { direction: 'up', contentType: 'application/json', retained: true },
  /** Downstream: Upgrade Images in chunk frames (src/firmware/chunk-frame.ts), for the hub or a HAN Device. */
  firmware: { direction: 'down', contentType: 'application/octet-stream', retained: false },
  /** Downstream, retained: the operator's signed list of allowed Device Model combinations (src/firmware/device-models.ts). */
  deviceModels: { direction: 'down', contentType: 'application/octet-stream', retained: true },
} as const;

export type TopicLeaf = keyof typeof TOPIC_LEAVES;
export type UpstreamKind = 'response' | 'alert' | 'relay';
export const UPSTREAM_KINDS: readonly UpstreamKind[] = ['response', 'alert', 'relay'];

export const HUB_STATE = { online: 'online', offline: 'offline' } as const;
export type HubState = keyof typeof HUB_STATE;

export const DEFAULT_TOPIC_PREFIX = 'gbcs';

/** MQTT 5 user properties the hub sets on upstream GBCS (MQTT 3.1.1 has none; the GBCS header carries the same facts). */
export const USER_PROPERTY = {
  /** `response`, `alert` or `relay`. */
  kind: 'gbcs-kind',
  /** The HAN Device an alert was relayed from (EUI-64); absent for the hub's own. */
  source: 'gbcs-source',
} as const;

/** Levels: letters, digits, `_`, `-`, `.`, separated by `/`; no wildcards, no empty level. */
const PREFIX = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

export function checkTopicPrefix(prefix: string, where = 'wan.topicPrefix'): string {
  if (!PREFIX.test(prefix)) {
    throw new WanError('WAN_BAD_MESSAGE', `"${prefix}" is not a topic prefix (levels of letters, digits, _ - . separated by /; no wildcards)`, { where });
  }
  return prefix;
}

export interface HubTopics {
  readonly hub: Eui64;
  readonly command: string;
  readonly response: string;
  readonly alert: string;
  readonly relay: string;
  readonly state: string;
  readonly telemetry: string;
  readonly firmware: string;
  readonly deviceModels: string;
}

export function hubTopics(prefix: string, chf: Eui64): HubTopics {
  const hub = parseEui64(chf, 'CHF EUI-64');
  const base = `${checkTopicPrefix(prefix)}/${hub}`;
  return { hub, command: `${base}/command`, response: `${base}/response`, alert: `${base}/alert`, relay: `${base}/relay`, state: `${base}/state`, telemetry: `${base}/telemetry`, firmware: `${base}/firmware`, deviceModels: `${base}/deviceModels` };
}

/** A filter matching one leaf of every hub under the prefix (`gbcs/+/alert`). */
export function everyHub(prefix: string, leaf: TopicLeaf): string {
  return `${checkTopicPrefix(prefix)}/+/${leaf}`;
}

/** Which hub and leaf a topic under the prefix belongs to, or undefined for any other topic. */
export function parseHubTopic(prefix: string, topic: string): { hub: Eui64; leaf: TopicLeaf } | undefined {
  if (!topic.startsWith(`${prefix}/`)) return undefined;
  const [hub, leaf, ...rest] = topic.slice(prefix.length + 1).split('/');
  if (rest.length > 0 || hub === undefined || leaf === undefined || !/^[0-9A-F]{16}$/.test(hub)) return undefined;
  return Object.hasOwn(TOPIC_LEAVES, leaf) ? { hub, leaf: leaf as TopicLeaf } : undefined;
}
