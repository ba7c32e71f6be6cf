import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../../hal/clock.js';
import { silentLogger, type Logger } from '../../hal/log.js';
import { HUB_EVENTS, type SecurityEventSink } from '../logs/index.js';
import { jsonCodec, parseSequenceKey, sequenceKey, type Domain, type Store } from '../store/index.js';
import { WanError } from './errors.js';
import { checkUpstream, fromStored, isStoredEntry, metaOf, storedSize, toStored, type OutboxEntry, type StoredEntry, type UpstreamMeta } from './outbox-entry.js';
import type { UpstreamKind } from './topics.js';

export { checkUpstream, type OutboxEntry, type UpstreamMeta } from './outbox-entry.js';

/**
 * The WAN outbox: every upstream GBCS message (a response or an alert) is on disk, synced, before
 * anyone publishes it; it leaves the disk only once the broker has acknowledged it (a delete not
 * synced on its own: a power cut may bring back an acknowledged message, sent again byte for byte,
 * as QoS 1 allows; at most DELETE_SYNC_DELAY_MS of them, see `acknowledge`). Entries carry a
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
  /** Every delete of an acknowledged message has reached the disk (synced by a later write). */
  deletesSynced: [];
}

export const OUTBOX_DOMAIN = 'wanOutbox';
const OUTBOX_META_DOMAIN = 'wanOutboxMeta';
const NEXT_SEQUENCE = 'next';
/** How long deletes of acknowledged messages may wait for a synced write to carry them. */
export const DELETE_SYNC_DELAY_MS = 1000;

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
  /** Delete batches written without a sync and not yet carried to the disk by a synced write. */
  private unsyncedDeletes = 0;
  private deletesToSync = false;
  private deleteSync: Timer | undefined;
  /** The high-water mark on disk. */
  private highWater: number;
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
    this.highWater = next;
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
    const entry: OutboxEntry = { sequence: this.nextSequence++, kind, payload: bytes, queuedAt, meta: metaOf(stored), size };
    // Counted against the quota from now, so a burst cannot overshoot it while its write is on the way.
    this.messages += 1;
    this.bytes += size;
    return new Promise<OutboxEntry>((resolve, reject) => {
      this.waiting.push({ entry, stored, resolve, reject });
      this.appending ??= this.writeWaiting();
    });
  }

  /**
   * The broker acknowledged the message: forget it and delete it from disk (in the background,
   * batched, not synced: a delete a power cut undoes only sends the message again, byte for byte,
   * as QoS 1 may anyway). The next synced write carries the deletes to the disk; with none within
   * DELETE_SYNC_DELAY_MS, the outbox syncs them itself, so a power cut repeats at most that long's worth.
   */
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

  /** Waits for queued writes and deletions (synced); later appends are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.appending;
    await this.deleting;
    await this.syncDeletes();
    await this.recordingAlarms;
  }

  private recordingAlarms: Promise<unknown> = Promise.resolve();

  /**
   * Group commit: every message queued while the previous write was on its way goes in the next
   * synced batch. The high-water mark is written only here, one batch at a time, so it never goes
   * back; a batch of no messages (it alone) syncs deletes no append carried.
   */
  private async writeWaiting(): Promise<void> {
    while (this.waiting.length > 0 || this.deletesToSync) {
      const group = this.waiting;
      this.waiting = [];
      this.deletesToSync = false;
      const carried = this.unsyncedDeletes;
      const batch = this.store.batch();
      for (const { entry, stored } of group) batch.put(this.entries, sequenceKey(entry.sequence), stored);
      const highWater = group.length > 0 ? group.at(-1)!.entry.sequence + 1 : this.highWater;
      batch.put(this.meta, NEXT_SEQUENCE, highWater);
      try {
        await batch.write();
      } catch (error) {
        for (const waiting of group) {
          this.messages -= 1;
          this.bytes -= waiting.entry.size;
          waiting.reject(error);
        }
        if (group.length === 0) this.logger.warn({ err: error }, 'could not sync the deletes of acknowledged upstream messages; after a power cut they may be sent again');
        this.scheduleDeleteSync();
        continue;
      }
      this.highWater = highWater;
      this.deletesSynced(carried);
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
        await batch.writeUnsynced();
        this.unsyncedDeletes += 1;
        this.scheduleDeleteSync();
      } catch (error) {
        // Still on disk: sent again after a restart, which QoS 1 allows. Never lost.
        this.logger.warn({ err: error, messages: group.length }, 'could not delete acknowledged upstream messages; they will be sent again after a restart');
      }
    }
    this.deleting = undefined;
  }

  private scheduleDeleteSync(): void {
    if (this.unsyncedDeletes > 0 && !this.closed) this.deleteSync ??= this.options.clock.setTimeout(() => void this.syncDeletes(), DELETE_SYNC_DELAY_MS);
  }

  /** Delete batches written before a synced write reached the disk with it. */
  private deletesSynced(carried: number): void {
    if (carried === 0) return;
    this.unsyncedDeletes -= carried;
    if (this.unsyncedDeletes > 0) return;
    this.deleteSync?.cancel();
    this.deleteSync = undefined;
    this.emit('deletesSynced');
  }

  /** No append came to carry the deletes to the disk: a batch of the high-water mark alone does. */
  private syncDeletes(): Promise<void> {
    this.deleteSync?.cancel();
    this.deleteSync = undefined;
    if (this.unsyncedDeletes === 0) return Promise.resolve();
    this.deletesToSync = true;
    this.appending ??= this.writeWaiting();
    return this.appending;
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
