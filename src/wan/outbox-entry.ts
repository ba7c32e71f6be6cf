import { isEui64, notAnEui64 } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import { WanError } from './errors.js';
import { UPSTREAM_KINDS, type UpstreamKind } from './topics.js';

/** An upstream message as the outbox holds it in memory and on disk, and what may be queued at all. */
export interface UpstreamMeta {
  /** MQTT 5: the response topic the command named; the hub's response topic otherwise. */
  responseTopic?: string;
  /** MQTT 5: the command's correlation data, echoed on the response. */
  correlationData?: Uint8Array;
  /** The HAN Device a relayed alert came from; absent for the hub's own. */
  source?: Eui64;
  /** MQTT 5 message expiry, counted from when the message was queued; none when absent. */
  expirySeconds?: number;
}

export interface OutboxEntry {
  readonly sequence: number;
  readonly kind: UpstreamKind;
  readonly payload: Buffer;
  /** Clock.now() when it was queued. */
  readonly queuedAt: number;
  readonly meta: Readonly<UpstreamMeta>;
  /** Its share of the quota. */
  readonly size: number;
}

export interface StoredEntry {
  kind: UpstreamKind;
  payload: string;
  queuedAt: number;
  responseTopic?: string;
  correlationData?: string;
  source?: Eui64;
  expirySeconds?: number;
}

export const isStoredEntry = (value: unknown): value is StoredEntry => {
  const v = value as StoredEntry | null;
  return typeof v === 'object' && v !== null && UPSTREAM_KINDS.includes(v.kind) && typeof v.payload === 'string' && Number.isFinite(v.queuedAt);
};

/** AES-256-GCM's IV and tag around each stored value. */
const SEAL_OVERHEAD = 28;
const MAX_TOPIC = 1024;
const MAX_CORRELATION = 1024;

export function toStored(kind: UpstreamKind, payload: Buffer, queuedAt: number, meta: UpstreamMeta): StoredEntry {
  return {
    kind,
    payload: payload.toString('base64'),
    queuedAt,
    ...(meta.responseTopic === undefined ? {} : { responseTopic: meta.responseTopic }),
    ...(meta.correlationData === undefined ? {} : { correlationData: Buffer.from(meta.correlationData).toString('hex') }),
    ...(meta.source === undefined ? {} : { source: meta.source }),
    ...(meta.expirySeconds === undefined ? {} : { expirySeconds: meta.expirySeconds }),
  };
}

export function metaOf(stored: StoredEntry): UpstreamMeta {
  return {
    ...(stored.responseTopic === undefined ? {} : { responseTopic: stored.responseTopic }),
    ...(stored.correlationData === undefined ? {} : { correlationData: Buffer.from(stored.correlationData, 'hex') }),
    ...(stored.source === undefined ? {} : { source: stored.source }),
    ...(stored.expirySeconds === undefined ? {} : { expirySeconds: stored.expirySeconds }),
  };
}

export function fromStored(sequence: number, stored: StoredEntry): OutboxEntry {
  return { sequence, kind: stored.kind, payload: Buffer.from(stored.payload, 'base64'), queuedAt: stored.queuedAt, meta: metaOf(stored), size: storedSize(stored) };
}

export const storedSize = (stored: StoredEntry): number => Buffer.byteLength(JSON.stringify(stored)) + SEAL_OVERHEAD;

/** Refuses what could never be published, before anything is written. */
export function checkUpstream(kind: UpstreamKind, payload: Uint8Array, meta: UpstreamMeta): void {
  const bad = (message: string, where: string) => new WanError('WAN_BAD_MESSAGE', message, { where });
  if (!UPSTREAM_KINDS.includes(kind)) throw bad(`"${String(kind)}" is not response, alert or relay`, 'kind');
  if (!(payload instanceof Uint8Array) || payload.length === 0) throw bad('GBCS bytes are missing', 'payload');
  const topic = meta.responseTopic;
  if (topic !== undefined && (topic.length === 0 || topic.length > MAX_TOPIC || /[#+]/.test(topic) || topic.includes(String.fromCharCode(0)))) {
    throw bad('not a topic a message can be published on', 'responseTopic');
  }
  if (meta.correlationData !== undefined && meta.correlationData.length > MAX_CORRELATION) throw bad(`longer than ${MAX_CORRELATION} bytes`, 'correlationData');
  if (meta.source !== undefined && !isEui64(meta.source)) throw bad(notAnEui64(meta.source), 'source');
  if (meta.expirySeconds !== undefined && !(Number.isInteger(meta.expirySeconds) && meta.expirySeconds > 0 && meta.expirySeconds <= 0xffffffff)) {
    throw bad('must be a whole number of seconds from 1 to 4294967295', 'expirySeconds');
  }
}
