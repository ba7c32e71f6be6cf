import { EventEmitter } from 'node:events';
import type { Clock } from '../../hal/clock.js';
import { isEui64, notAnEui64 } from '../../hal/eui64.js';
import { silentLogger, type Logger } from '../../hal/log.js';
import type { Eui64 } from '../../hal/radio.js';
import { HUB_EVENTS, type SecurityEventSink } from '../logs/index.js';
import { jsonCodec, parseSequenceKey, sequenceKey, type Domain, type Store } from '../store/index.js';
import { WanError } from './errors.js';
import { UPSTREAM_KINDS, type UpstreamKind } from './topics.js';

/**
 * The WAN outbox: every upstream GBCS message (a response or an alert) is on disk, synced, before
 * anyone publishes it; it leaves the disk only once the broker has acknowledged it. Entries carry a
 * sequence number that never repeats (the high-water mark is stored with each append), so after a
 * reconnect or a restart the rest goes out in the original order.
 *
 * At the quota the outbox refuses the new message with WAN_OUTBOX_FULL and keeps every queued one:
 * the head end gets the oldest first and a gap it can see, never a silent drop in the middle.
 * Crossing `alarmPercent` on the way up records WAN outbox nearing its quota in the Security Log
 * once; reaching the quota records WAN outbox at its quota once per episode.
 */
export interface OutboxQuota {
  maxMessages: number;
  /** Bytes as stored (the record before encryption, plus the seal's overhead). */
  maxBytes: number;
  /** Raise the alarm when either count or bytes reach this share of the quota. */
  alarmPercent: number;
}

export const DEFAULT_OUTBOX_QUOTA: OutboxQuota = { maxMessages: 10_000, maxBytes: 16 * 1024 * 1024, alarmPercent: 80 };

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

export type QuotaLevel = 'normal' | 'nearQuota' | 'full';

export interface OutboxStats {
  depth: number;
  bytes: number;
  quota: OutboxQuota;
  level: QuotaLevel;
  /** Messages refused at the quota since the outbox opened. */
  refused: number;
  /** Messages whose expiry passed before the broker took them. */
  expired: number;
  /** Clock.now() of the oldest queued message, when there is one. */
  oldestQueuedAt: number | undefined;
}

export interface OutboxEvents {
  /** A message is durable and may be published. */
  appended: [entry: OutboxEntry];
  /** The quota level changed. */
  level: [level: QuotaLevel, stats: OutboxStats];
}

interface StoredEntry {
  kind: UpstreamKind;
  payload: string;
  queuedAt: number;
  responseTopic?: string;
  correlationData?: string;
  source?: Eui64;
  expirySeconds?: number;
}

const isStoredEntry = (value: unknown): value is StoredEntry => {
  const v = value as StoredEntry | null;
  return typeof v === 'object' && v !== null && UPSTREAM_KINDS.includes(v.kind) && typeof v.payload === 'string' && Number.isFinite(v.queuedAt);
};

export const OUTBOX_DOMAIN = 'wanOutbox';
const OUTBOX_META_DOMAIN = 'wanOutboxMeta';
const NEXT_SEQUENCE = 'next';
/** AES-256-GCM's IV and tag around each stored value. */
const SEAL_OVERHEAD = 28;
const MAX_TOPIC = 1024;
const MAX_CORRELATION = 1024;

function toStored(kind: UpstreamKind, payload: Buffer, queuedAt: number, meta: UpstreamMeta): StoredEntry {
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

function fromStored(sequence: number, stored: StoredEntry): OutboxEntry {
  const meta: UpstreamMeta = {
    ...(stored.responseTopic === undefined ? {} : { responseTopic: stored.responseTopic }),
    ...(stored.correlationData === undefined ? {} : { correlationData: Buffer.from(stored.correlationData, 'hex') }),
    ...(stored.source === undefined ? {} : { source: stored.source }),
    ...(stored.expirySeconds === undefined ? {} : { expirySeconds: stored.expirySeconds }),
  };
  return { sequence, kind: stored.kind, payload: Buffer.from(stored.payload, 'base64'), queuedAt: stored.queuedAt, meta, size: storedSize(stored) };
}

const storedSize = (stored: StoredEntry): number => Buffer.byteLength(JSON.stringify(stored)) + SEAL_OVERHEAD;

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

interface Waiting {
  entry: OutboxEntry;
  stored: StoredEntry;
  resolve: (entry: OutboxEntry) => void;
  reject: (error: unknown) => void;
}

export interface OutboxOptions {
  clock: Clock;
  quota?: Partial<OutboxQuota>;
  /** Where the quota alarms are recorded (the CHF Security Log). */
  security?: SecurityEventSink;
  logger?: Logger;
}

export class Outbox extends EventEmitter<OutboxEvents> {
  readonly quota: OutboxQuota;
  private readonly pending = new Map<number, OutboxEntry>();
  private waiting: Waiting[] = [];
  private acked: number[] = [];
  private nextSequence: number;
  private messages = 0;
  private bytes = 0;
  private level_: QuotaLevel = 'normal';
  private refused = 0;
  private expired = 0;
  private appending: Promise<void> | undefined;
  private deleting: Promise<void> | undefined;
  private closed = false;
  private readonly logger: Logger;

  private constructor(
    private readonly entries: Domain<StoredEntry>,
    private readonly meta: Domain<number>,
    private readonly store: Store,
    private readonly options: OutboxOptions,
    loaded: OutboxEntry[],
    next: number,
  ) {
    super();
    this.quota = { ...DEFAULT_OUTBOX_QUOTA, ...options.quota };
    this.logger = options.logger ?? silentLogger;
    for (const entry of loaded) {
      this.pending.set(entry.sequence, entry);
      this.messages += 1;
      this.bytes += entry.size;
    }
    this.nextSequence = next;
    this.level_ = this.levelFor(this.messages, this.bytes);
  }

  /** Opens the outbox on the store, with whatever a previous run left queued, oldest first. */
  static async open(store: Store, options: OutboxOptions): Promise<Outbox> {
    // Responses carry readings: the queued bytes are personal data and are sealed at rest.
    const entries = await store.domain({ name: OUTBOX_DOMAIN, codec: jsonCodec<StoredEntry>(isStoredEntry), personal: true });
    const meta = await store.domain({ name: OUTBOX_META_DOMAIN, codec: jsonCodec<number>((v): v is number => Number.isSafeInteger(v)) });
    const loaded: OutboxEntry[] = [];
    for await (const [key, stored] of entries.entries()) loaded.push(fromStored(parseSequenceKey(key), stored));
    const highWater = (await meta.get(NEXT_SEQUENCE)) ?? 0;
    const next = Math.max(highWater, (loaded.at(-1)?.sequence ?? -1) + 1);
    return new Outbox(entries, meta, store, options, loaded, next);
  }

  get level(): QuotaLevel {
    return this.level_;
  }

  /** The sequence the next appended message will get: how many messages were ever appended. */
  get appendedTotal(): number {
    return this.nextSequence;
  }

  /** Messages accepted and not yet acknowledged (including any whose write is on its way). */
  get depth(): number {
    return this.messages;
  }

  stats(): OutboxStats {
    return {
      depth: this.messages,
      bytes: this.bytes,
      quota: { ...this.quota },
      level: this.level_,
      refused: this.refused,
      expired: this.expired,
      oldestQueuedAt: this.pending.values().next().value?.queuedAt,
    };
  }

  /** Queued messages not yet acknowledged, oldest first. */
  queued(): IterableIterator<OutboxEntry> {
    return this.pending.values();
  }

  /**
   * Queue an upstream message; resolves once it is synced to disk (then `appended` fires).
   * Refused (nothing written) with WAN_BAD_MESSAGE for a message that could never be published,
   * WAN_OUTBOX_FULL at the quota, WAN_STOPPED after close.
   */
  append(kind: UpstreamKind, payload: Uint8Array, meta: UpstreamMeta = {}): Promise<OutboxEntry> {
    try {
      if (this.closed) throw new WanError('WAN_STOPPED', 'the outbox is closed', { where: 'outbox' });
      checkUpstream(kind, payload, meta);
    } catch (error) {
      return Promise.reject(error);
    }
    const bytes = Buffer.from(payload);
    const queuedAt = this.options.clock.now();
    const stored = toStored(kind, bytes, queuedAt, meta);
    const size = storedSize(stored);
    if (this.messages + 1 > this.quota.maxMessages || this.bytes + size > this.quota.maxBytes) {
      return Promise.reject(this.refuse(this.messages, this.bytes));
    }
    const entry = fromStored(this.nextSequence++, stored);
    // Counted against the quota from now, so a burst cannot overshoot it while its write is on the way.
    this.messages += 1;
    this.bytes += size;
    return new Promise<OutboxEntry>((resolve, reject) => {
      this.waiting.push({ entry, stored, resolve, reject });
      this.appending ??= this.writeWaiting();
    });
  }

  /** The broker acknowledged the message: forget it and delete it from disk (in the background, batched). */
  acknowledge(sequence: number): void {
    if (!this.untrack(sequence)) return;
    this.acked.push(sequence);
    this.deleting ??= this.deleteAcked();
  }

  /** The message's expiry passed before the broker took it: MQTT 5 would have dropped it there; drop it here, counted. */
  discardExpired(sequence: number): void {
    const entry = this.pending.get(sequence);
    if (!entry) return;
    this.expired += 1;
    this.logger.warn({ sequence, kind: entry.kind, expirySeconds: entry.meta.expirySeconds }, 'upstream message expired before the broker took it');
    this.acknowledge(sequence);
  }

  /** Waits for queued writes and deletions; later appends are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.appending;
    await this.deleting;
    await this.recordingAlarms;
  }

  private recordingAlarms: Promise<unknown> = Promise.resolve();

  /** Group commit: every message queued while the previous write was on its way goes in the next synced batch. */
  private async writeWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      const batch = this.store.batch();
      for (const { entry, stored } of group) batch.put(this.entries, sequenceKey(entry.sequence), stored);
      batch.put(this.meta, NEXT_SEQUENCE, group.at(-1)!.entry.sequence + 1);
      try {
        await batch.write();
      } catch (error) {
        for (const waiting of group) {
          this.messages -= 1;
          this.bytes -= waiting.entry.size;
          waiting.reject(error);
        }
        continue;
      }
      for (const { entry, resolve } of group) {
        this.pending.set(entry.sequence, entry);
        resolve(entry);
        this.emit('appended', entry);
      }
      this.updateLevel();
    }
    this.appending = undefined;
  }

  private async deleteAcked(): Promise<void> {
    while (this.acked.length > 0) {
      const group = this.acked;
      this.acked = [];
      const batch = this.store.batch();
      for (const sequence of group) batch.del(this.entries, sequenceKey(sequence));
      try {
        await batch.write();
      } catch (error) {
        // Still on disk: sent again after a restart, which QoS 1 allows. Never lost.
        this.logger.warn({ err: error, messages: group.length }, 'could not delete acknowledged upstream messages; they will be sent again after a restart');
      }
    }
    this.deleting = undefined;
  }

  private untrack(sequence: number): boolean {
    const entry = this.pending.get(sequence);
    if (!entry) return false;
    this.pending.delete(sequence);
    this.messages -= 1;
    this.bytes -= entry.size;
    this.updateLevel();
    return true;
  }

  private levelFor(messages: number, bytes: number): QuotaLevel {
    const share = Math.max(messages / this.quota.maxMessages, bytes / this.quota.maxBytes);
    return share * 100 >= this.quota.alarmPercent ? 'nearQuota' : 'normal';
  }

  private refuse(messages: number, bytes: number): WanError {
    this.refused += 1;
    if (this.level_ !== 'full') {
      this.level_ = 'full';
      this.alarm('wanOutboxFull', messages, bytes);
      this.emit('level', 'full', this.stats());
    }
    return new WanError('WAN_OUTBOX_FULL', `the outbox holds ${messages} messages (${bytes} bytes) of its quota of ${this.quota.maxMessages} (${this.quota.maxBytes} bytes): message refused, nothing queued was dropped`, { where: 'outbox' });
  }

  /** Moves between normal and nearQuota; `full` ends only when the outbox falls below the alarm line. */
  private updateLevel(): void {
    const level = this.levelFor(this.messages, this.bytes);
    if (level === this.level_ || (this.level_ === 'full' && level === 'nearQuota')) return;
    const rising = level === 'nearQuota' && this.level_ === 'normal';
    this.level_ = level;
    if (rising) this.alarm('wanOutboxNearQuota', this.messages, this.bytes);
    this.emit('level', level, this.stats());
  }

  private alarm(event: 'wanOutboxNearQuota' | 'wanOutboxFull', messages: number, bytes: number): void {
    const detail = { messages, bytes, maxMessages: this.quota.maxMessages, maxBytes: this.quota.maxBytes };
    this.logger.warn(detail, HUB_EVENTS[event].name);
    const recorded = this.options.security?.record(HUB_EVENTS[event].code, detail).catch((error: unknown) => {
      this.logger.error({ err: error }, 'could not record the outbox alarm in the Security Log');
    });
    // close() waits for it, so an alarm raised just before stopping is not lost with the process.
    if (recorded) this.recordingAlarms = Promise.all([this.recordingAlarms, recorded]);
  }
}
