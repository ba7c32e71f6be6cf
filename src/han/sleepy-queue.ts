import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { isEui64, notAnEui64 } from '../../hal/eui64.js';
import { silentLogger, type Logger } from '../../hal/log.js';
import type { Eui64 } from '../../hal/radio.js';
import { jsonCodec, parseSequenceKey, sequenceKey, type Domain, type Store } from '../store/index.js';

/**
 * Remote Party Messages waiting for a sleepy Device (the GSME) to wake and ask for them with GET.
 * Per Device: bounded, oldest first, each message with its own expiry. Every change is on disk
 * before it is acknowledged, so the queue and its order survive a restart; a message leaves it only
 * as DELIVERED, EXPIRED or REMOVED, and each of those is reported (an event always, and the
 * enqueuer's promise while the process that enqueued it lives). Messages that expired while the hub
 * was down are reported by `start()`.
 */
export const SLEEPY_QUEUE_LIMITS = {
  /**
   * Messages held per Device. GBCS sets no number in the material we have; Silicon Labs'
   * sleepy-message-queue leaves it a build option. Ten covers a day of supplier commands to a
   * GSME that wakes every 30 minutes, while keeping one Device's backlog small enough for a
   * remote party to notice QUEUE_FULL and act.
   */
  perDevice: 10,
  /** How long a message waits when its caller gives no expiry: Silicon Labs' CHF default, 24 hours. */
  defaultTtlMs: 24 * 60 * 60 * 1000,
  /** The longest a caller may ask a message to wait. */
  maxTtlMs: 31 * 24 * 60 * 60 * 1000,
} as const;

/** Messages are GBCS commands and may carry personal data: the domain is encrypted at rest. */
export const SLEEPY_QUEUE_DOMAIN = { name: 'sleepyQueue', personal: true } as const;

export type QueueOutcomeStatus = 'DELIVERED' | 'EXPIRED' | 'REMOVED';

export interface QueueOutcome {
  id: string;
  eui64: Eui64;
  status: QueueOutcomeStatus;
  /** ms since the epoch. */
  at: number;
}

/** What an enqueuer's promise resolves with: a final outcome, or the queue was closed with the message still on disk. */
export type QueueSettlement = QueueOutcome | { id: string; eui64: Eui64; status: 'STILL_QUEUED' };

export interface QueuedMessage {
  id: string;
  eui64: Eui64;
  gbcs: Buffer;
  enqueuedAt: number;
  expiresAt: number;
}

export type EnqueueResult =
  | { status: 'QUEUED'; id: string; expiresAt: number; outcome: Promise<QueueSettlement> }
  | { status: 'QUEUE_FULL'; capacity: number };

export interface SleepyQueueEvents {
  /** Every final outcome, also for messages enqueued before a restart (match them by `id`). */
  settled: [outcome: QueueOutcome];
  /** A timer-driven sweep could not write to the store; the messages stay and are retried at the next sweep. */
  failed: [failure: { doing: string; error: Error }];
}

export class SleepyQueueError extends HubError {}

interface Stored {
  id: string;
  eui64: string;
  gbcs: string;
  enqueuedAt: number;
  expiresAt: number;
}

function isStored(value: unknown): value is Stored {
  const v = value as Stored;
  return (
    typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.eui64 === 'string' && isEui64(v.eui64) &&
    typeof v.gbcs === 'string' && /^([0-9a-f]{2})*$/.test(v.gbcs) && Number.isSafeInteger(v.enqueuedAt) && Number.isSafeInteger(v.expiresAt)
  );
}

export interface SleepyQueueOptions {
  store: Store;
  clock: Clock;
  capacity?: number;
  defaultTtlMs?: number;
  logger?: Logger;
}

interface Entry {
  key: string;
  message: QueuedMessage;
}

export class SleepyQueue extends EventEmitter<SleepyQueueEvents> {
  readonly capacity: number;
  readonly defaultTtlMs: number;
  private readonly byDevice = new Map<Eui64, Entry[]>();
  private readonly waiting = new Map<string, (settlement: QueueSettlement) => void>();
  private tail: Promise<unknown> = Promise.resolve();
  private timer: Timer | undefined;
  private closed = false;
  private started = false;

  private constructor(
    private readonly store: Store,
    private readonly domain: Domain<Stored>,
    private readonly clock: Clock,
    private next: number,
    private readonly logger: Logger,
    options: SleepyQueueOptions,
  ) {
    super();
    this.capacity = options.capacity ?? SLEEPY_QUEUE_LIMITS.perDevice;
    this.defaultTtlMs = options.defaultTtlMs ?? SLEEPY_QUEUE_LIMITS.defaultTtlMs;
  }

  /** Load every waiting message (a few per Device: held in memory, so a GET never waits on disk to choose). */
  static async open(options: SleepyQueueOptions): Promise<SleepyQueue> {
    const capacity = options.capacity ?? SLEEPY_QUEUE_LIMITS.perDevice;
    if (!Number.isInteger(capacity) || capacity < 1) throw new SleepyQueueError('QUEUE_BAD_OPTION', `capacity ${capacity} is not a positive integer`, { where: 'capacity' });
    const ttl = options.defaultTtlMs ?? SLEEPY_QUEUE_LIMITS.defaultTtlMs;
    if (!Number.isInteger(ttl) || ttl < 1) throw new SleepyQueueError('QUEUE_BAD_OPTION', `default expiry ${ttl} ms is not a positive integer`, { where: 'defaultTtlMs' });
    const domain = await options.store.domain({ ...SLEEPY_QUEUE_DOMAIN, codec: jsonCodec(isStored) });
    const loaded: Array<{ key: string; stored: Stored }> = [];
    let next = 0;
    for await (const [key, stored] of domain.entries()) {
      loaded.push({ key, stored });
      next = Math.max(next, parseSequenceKey(key.slice(key.indexOf('/') + 1)) + 1);
    }
    const queue = new SleepyQueue(options.store, domain, options.clock, next, options.logger ?? silentLogger, options);
    for (const { key, stored } of loaded) queue.remember(key, fromStored(stored));
    return queue;
  }

  /**
   * Report (as EXPIRED) what expired while the hub was down, then keep expiring messages on time.
   * Call it once the `settled` listeners are attached.
   */
  async start(): Promise<QueueOutcome[]> {
    this.started = true;
    return this.sweep();
  }

  /** Queue a message for `eui64`; QUEUE_FULL when it already holds `capacity` unexpired messages. */
  enqueue(eui64: Eui64, gbcs: Buffer, options: { expiresAt?: number } = {}): Promise<EnqueueResult> {
    if (!isEui64(eui64)) return Promise.reject(new SleepyQueueError('QUEUE_BAD_EUI64', notAnEui64(eui64), { where: 'eui64' }));
    if (gbcs.length === 0) return Promise.reject(new SleepyQueueError('QUEUE_EMPTY_MESSAGE', 'a queued message needs at least one byte', { where: 'gbcs' }));
    const now = this.clock.now();
    const expiresAt = options.expiresAt ?? now + this.defaultTtlMs;
    if (!Number.isSafeInteger(expiresAt) || expiresAt <= now || expiresAt > now + SLEEPY_QUEUE_LIMITS.maxTtlMs) {
      return Promise.reject(
        new SleepyQueueError('QUEUE_BAD_EXPIRY', `expiry ${expiresAt} is not within (now, now + ${SLEEPY_QUEUE_LIMITS.maxTtlMs} ms]`, { where: 'expiresAt' }),
      );
    }
    return this.serially(async () => {
      this.ensureOpen();
      await this.sweepNow();
      if ((this.byDevice.get(eui64)?.length ?? 0) >= this.capacity) return { status: 'QUEUE_FULL' as const, capacity: this.capacity };
      const sequence = this.next++;
      const key = `${eui64}/${sequenceKey(sequence)}`;
      const message: QueuedMessage = { id: `${eui64}.${sequence}`, eui64, gbcs: Buffer.from(gbcs), enqueuedAt: now, expiresAt };
      await this.domain.put(key, toStored(message));
      this.remember(key, message);
      const outcome = new Promise<QueueSettlement>((resolve) => this.waiting.set(message.id, resolve));
      this.arm();
      return { status: 'QUEUED' as const, id: message.id, expiresAt, outcome };
    });
  }

  /** The oldest unexpired message for `eui64` and how many wait behind it (expired ones are reported first). */
  async head(eui64: Eui64): Promise<{ message: QueuedMessage; behind: number } | undefined> {
    return this.serially(async () => {
      this.ensureOpen();
      await this.sweepNow();
      const entries = this.byDevice.get(eui64);
      if (!entries?.length) return undefined;
      return { message: cloneMessage(entries[0]!.message), behind: entries.length - 1 };
    });
  }

  /** The message reached its Device: remove it and report DELIVERED. False when it is no longer queued. */
  delivered(id: string): Promise<boolean> {
    return this.settleOne(id, 'DELIVERED');
  }

  /** Drop every message for `eui64` (it left the Device Log), reporting each as REMOVED. */
  removeDevice(eui64: Eui64): Promise<QueueOutcome[]> {
    return this.serially(async () => {
      this.ensureOpen();
      return this.settleEntries([...(this.byDevice.get(eui64) ?? [])], 'REMOVED');
    });
  }

  count(eui64: Eui64): number {
    return this.byDevice.get(eui64)?.length ?? 0;
  }

  list(eui64: Eui64): QueuedMessage[] {
    return (this.byDevice.get(eui64) ?? []).map((entry) => cloneMessage(entry.message));
  }

  /** Stop timers; enqueuers still waiting get STILL_QUEUED (their message stays on disk for the next start). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.tail.catch(() => undefined);
    for (const entries of this.byDevice.values()) {
      for (const { message } of entries) this.resolveWaiter({ id: message.id, eui64: message.eui64, status: 'STILL_QUEUED' });
    }
  }

  // ---- internals -------------------------------------------------------------------------------

  private settleOne(id: string, status: QueueOutcomeStatus): Promise<boolean> {
    return this.serially(async () => {
      this.ensureOpen();
      const entry = this.find(id);
      if (!entry) return false;
      await this.settleEntries([entry], status);
      return true;
    });
  }

  private find(id: string): Entry | undefined {
    const eui64 = id.slice(0, id.indexOf('.'));
    return this.byDevice.get(eui64)?.find((entry) => entry.message.id === id);
  }

  private async settleEntries(entries: Entry[], status: QueueOutcomeStatus): Promise<QueueOutcome[]> {
    if (entries.length === 0) return [];
    const batch = this.store.batch();
    for (const entry of entries) batch.del(this.domain, entry.key);
    await batch.write();
    const at = this.clock.now();
    const outcomes = entries.map(({ message }) => ({ id: message.id, eui64: message.eui64, status, at }));
    for (const entry of entries) this.forget(entry);
    for (const outcome of outcomes) {
      this.logger.info({ eui64: outcome.eui64, id: outcome.id, status }, 'sleepy queue message settled');
      this.resolveWaiter(outcome);
      this.emit('settled', outcome);
    }
    return outcomes;
  }

  private resolveWaiter(settlement: QueueSettlement): void {
    const resolve = this.waiting.get(settlement.id);
    this.waiting.delete(settlement.id);
    resolve?.(settlement);
  }

  private remember(key: string, message: QueuedMessage): void {
    const entries = this.byDevice.get(message.eui64) ?? [];
    entries.push({ key, message });
    entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.byDevice.set(message.eui64, entries);
  }

  private forget(entry: Entry): void {
    const entries = this.byDevice.get(entry.message.eui64);
    if (!entries) return;
    const at = entries.indexOf(entry);
    if (at >= 0) entries.splice(at, 1);
    if (entries.length === 0) this.byDevice.delete(entry.message.eui64);
  }

  private sweep(): Promise<QueueOutcome[]> {
    return this.serially(() => this.sweepNow());
  }

  /** Inside the serial section only. */
  private async sweepNow(): Promise<QueueOutcome[]> {
    const now = this.clock.now();
    const expired = [...this.byDevice.values()].flat().filter((entry) => entry.message.expiresAt <= now);
    const outcomes = await this.settleEntries(expired, 'EXPIRED');
    this.arm();
    return outcomes;
  }

  private arm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.started || this.closed) return;
    const soonest = Math.min(...[...this.byDevice.values()].flat().map((entry) => entry.message.expiresAt));
    if (!Number.isFinite(soonest)) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.sweep().catch((error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.emit('failed', { doing: 'expire queued messages', error: failure });
        if (!this.closed) this.timer = this.clock.setTimeout(() => void this.sweep().catch(() => undefined), 1000);
      });
    }, Math.max(0, soonest - this.clock.now()));
  }

  private ensureOpen(): void {
    if (this.closed) throw new SleepyQueueError('QUEUE_CLOSED', 'the sleepy queue is closed');
  }

  /** Changes run one at a time, in call order, so capacity checks and removals never interleave. */
  private serially<T>(run: () => Promise<T>): Promise<T> {
    const result = this.tail.then(run);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function toStored(message: QueuedMessage): Stored {
  return { id: message.id, eui64: message.eui64, gbcs: message.gbcs.toString('hex'), enqueuedAt: message.enqueuedAt, expiresAt: message.expiresAt };
}

function fromStored(stored: Stored): QueuedMessage {
  return { id: stored.id, eui64: stored.eui64, gbcs: Buffer.from(stored.gbcs, 'hex'), enqueuedAt: stored.enqueuedAt, expiresAt: stored.expiresAt };
}

function cloneMessage(message: QueuedMessage): QueuedMessage {
  return { ...message, gbcs: Buffer.from(message.gbcs) };
}
