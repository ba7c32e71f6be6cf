import { EventEmitter } from 'node:events';
import type { ManualClock } from '../../../hal/clock.js';
import { AshDecoder, type AshBadFrame } from '../../../hal/ash/decoder.js';
import { AshEncoder } from '../../../hal/ash/encoder.js';
import type { AshFrame } from '../../../hal/ash/frame.js';
import type { Transport, TransportEvents } from '../../../hal/transport/transport.js';
import type { MemoryTransport } from '../../../hal/transport/memory.js';

/** A small seeded PRNG (mulberry32), so fault patterns repeat run after run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultCounts {
  corrupted: number;
  dropped: number;
  duplicated: number;
  clean: number;
}

/** A Transport over another, passing on its opening, closing and close events; subclasses decide what data does. */
export abstract class TransportWrapper extends EventEmitter<TransportEvents> implements Transport {
  constructor(
    protected readonly inner: Transport,
    private readonly label: string,
  ) {
    super();
    inner.on('close', (error) => this.emit('close', error));
  }

  get description(): string {
    return `${this.label} ${this.inner.description}`;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  abstract write(bytes: Uint8Array): Promise<void>;
}

/**
 * A Transport that damages what it writes, as a noisy line would: with probability `rate` a chunk
 * gets one fault (a flipped bit, lost bytes, or bytes repeated). Reads pass through untouched; wrap
 * both ends to damage both directions.
 */
export class FaultyTransport extends TransportWrapper {
  readonly faults: FaultCounts = { corrupted: 0, dropped: 0, duplicated: 0, clean: 0 };
  enabled = false;
  private readonly random: () => number;

  constructor(
    inner: Transport,
    seed: number,
    private readonly rate = 0.1,
  ) {
    super(inner, 'faulty');
    this.random = seededRandom(seed);
    inner.on('data', (chunk) => this.emit('data', chunk));
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.enabled || bytes.length === 0 || this.random() >= this.rate) {
      this.faults.clean++;
      return this.inner.write(bytes);
    }
    return this.inner.write(this.damage(Buffer.from(bytes)));
  }

  private damage(bytes: Buffer): Buffer {
    const at = Math.floor(this.random() * bytes.length);
    const span = 1 + Math.floor(this.random() * Math.min(8, bytes.length - at));
    const kind = this.random();
    if (kind < 0.4) {
      this.faults.corrupted++;
      bytes[at]! ^= 1 << Math.floor(this.random() * 8);
      return bytes;
    }
    if (kind < 0.7) {
      this.faults.dropped++;
      return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + span)]);
    }
    this.faults.duplicated++;
    return Buffer.concat([bytes.subarray(0, at + span), bytes.subarray(at)]);
  }
}

/** Let memory-transport deliveries (setImmediate) and promise continuations run. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Run deliveries, without moving any clock, until `done()` holds; throws if it never does. */
export async function settleUntil(done: () => boolean, maxTurns = 100_000): Promise<void> {
  for (let turn = 0; turn < maxTurns; turn++) {
    if (done()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`condition not reached within ${maxTurns} event-loop turns`);
}

/** Run deliveries and move the clock in steps until `done()` holds; throws if it never does. */
export async function runUntil(clock: ManualClock, done: () => boolean, limitMs = 600_000, stepMs = 100): Promise<void> {
  for (let elapsed = 0; elapsed <= limitMs; elapsed += stepMs) {
    await settle();
    if (done()) return;
    await clock.advance(stepMs);
  }
  throw new Error(`condition not reached within ${limitMs} ms of clock time`);
}

/** The far end of a memory transport driven by hand: it records decoded frames and writes raw ones. */
export class RawPeer {
  readonly frames: AshFrame[] = [];
  readonly bad: AshBadFrame[] = [];
  readonly encoder = new AshEncoder();
  private readonly decoder = new AshDecoder();

  constructor(readonly transport: MemoryTransport) {
    this.decoder.on('frame', (f) => this.frames.push(f));
    this.decoder.on('bad', (b) => this.bad.push(b));
    transport.on('data', (chunk) => this.decoder.push(chunk));
  }

  async write(bytes: Buffer): Promise<void> {
    await this.transport.write(bytes);
    await settle();
  }

  kinds(): string[] {
    return this.frames.map((f) => f.kind);
  }

  take(): AshFrame[] {
    return this.frames.splice(0, this.frames.length);
  }
}
