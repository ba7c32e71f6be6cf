import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../../hal/clock.js';
import type { Eui64 } from '../../hal/radio.js';
import { jsonCodec, type Domain, type Store } from '../store/index.js';
import type { FirmwareImages } from './image-store.js';

/**
 * CS06 Activate Firmware as the hub keeps it: an activation names an image by its Manufacturer
 * Image hash and runs now or at a future date-time. A future one is on disk before it is
 * acknowledged and is armed again on the Clock at every start, so it survives restarts and fires
 * once, late rather than never; a date-time of 9999-12-31T23:59:59 cancels the one pending for the
 * target. What running an image means is the executor's (the hub's own slots, or a Device).
 */
export const CANCEL_ACTIVATION_AT = Date.UTC(9999, 11, 31, 23, 59, 59);

/** CS06's response codes. */
export const ACTIVATION_RESPONSE = { success: 0, noImageHeld: 1, hashMismatch: 2, activationFailure: 3 } as const;
export type ActivationResponse = (typeof ACTIVATION_RESPONSE)[keyof typeof ACTIVATION_RESPONSE];

interface PendingActivation {
  hash: string;
  at: number;
  scheduledAt: number;
  /** The CS06's originator counter (decimal) and originator, which the alert at its time carries and goes to. */
  counter?: string;
  by?: string;
}

function isPending(value: unknown): value is PendingActivation {
  const v = value as PendingActivation | null;
  return typeof v === 'object' && v !== null && typeof v.hash === 'string' && /^[0-9a-f]{64}$/.test(v.hash) && Number.isSafeInteger(v.at) && Number.isSafeInteger(v.scheduledAt) && (v.counter === undefined || (typeof v.counter === 'string' && /^[0-9]{1,20}$/.test(v.counter))) && (v.by === undefined || typeof v.by === 'string');
}

export const FIRMWARE_ACTIVATIONS_DOMAIN = { name: 'firmwareActivations', codec: jsonCodec(isPending) } as const;

/** Runs an image on a target; resolves with the 4-octet firmware version now running, or throws when it could not. */
export type ActivationExecutor = (target: Eui64, hash: string) => Promise<Buffer>;

export interface ActivationOutcome {
  target: Eui64;
  hash: string;
  /** When it ran (the Clock's ms). */
  at: number;
  response: ActivationResponse;
  /** The firmware version running afterwards, on success. */
  firmwareVersion?: Buffer;
  error?: unknown;
  /** The CS06 that asked for it, when one did: its originator counter and originator. */
  origin?: ActivationOrigin;
}

export interface ActivationOrigin {
  counter: bigint;
  by: Eui64;
}

export interface ActivationEvents {
  /** A future-dated activation ran: 0x8F66 when it succeeded, 0x8F67 when not. */
  futureActivation: [outcome: ActivationOutcome];
}

export type ScheduleResult = { kind: 'immediate'; outcome: ActivationOutcome } | { kind: 'scheduled'; at: number } | { kind: 'cancelled'; had: boolean } | { kind: 'refused'; response: ActivationResponse };

export class ActivationSchedule extends EventEmitter<ActivationEvents> {
  private readonly timers = new Map<Eui64, Timer>();

  private constructor(
    private readonly domain: Domain<PendingActivation>,
    private readonly images: Pick<FirmwareImages, 'entry'>,
    private readonly clock: Clock,
    private readonly execute: ActivationExecutor,
  ) {
    super();
  }

  static async open(options: { store: Store; images: Pick<FirmwareImages, 'entry'>; clock: Clock; execute: ActivationExecutor }): Promise<ActivationSchedule> {
    return new ActivationSchedule(await options.store.domain(FIRMWARE_ACTIVATIONS_DOMAIN), options.images, options.clock, options.execute);
  }

  /** Arm every pending activation on the Clock; one whose time passed while the hub was down runs at once. */
  async start(): Promise<void> {
    for await (const [target, pending] of this.domain.entries()) this.arm(target, pending);
  }

  stop(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  async pending(target: Eui64): Promise<{ hash: string; at: number } | undefined> {
    const held = await this.domain.get(target);
    return held && { hash: held.hash, at: held.at };
  }

  /**
   * One CS06 for `target`: `at` undefined (or not after now) activates at once; the cancel date-time
   * cancels; a later one is kept and armed. An image the hub does not hold is refused (response 1).
   */
  async schedule(target: Eui64, hash: string, at?: number, origin?: ActivationOrigin): Promise<ScheduleResult> {
    const key = hash.toLowerCase();
    if (at === CANCEL_ACTIVATION_AT) {
      const had = (await this.domain.get(target)) !== undefined;
      await this.domain.del(target);
      this.timers.get(target)?.cancel();
      this.timers.delete(target);
      return { kind: 'cancelled', had };
    }
    if (!this.images.entry(key)) return { kind: 'refused', response: ACTIVATION_RESPONSE.noImageHeld };
    const now = this.clock.now();
    if (at === undefined || at <= now) return { kind: 'immediate', outcome: await this.run(target, key, origin) };
    const pending: PendingActivation = { hash: key, at, scheduledAt: now, ...(origin ? { counter: origin.counter.toString(), by: origin.by } : {}) };
    await this.domain.put(target, pending);
    this.arm(target, pending);
    return { kind: 'scheduled', at };
  }

  private arm(target: Eui64, pending: PendingActivation): void {
    this.timers.get(target)?.cancel();
    this.timers.set(target, this.clock.setTimeout(() => void this.fire(target, pending), Math.max(0, pending.at - this.clock.now())));
  }

  private async fire(target: Eui64, pending: PendingActivation): Promise<void> {
    this.timers.delete(target);
    const current = await this.domain.get(target);
    // Replaced or cancelled since it was armed: that one is not to run.
    if (!current || current.hash !== pending.hash || current.at !== pending.at) return;
    // Off the disk before it runs, so a restart mid-activation does not run it twice.
    await this.domain.del(target);
    const origin = pending.counter === undefined || pending.by === undefined ? undefined : { counter: BigInt(pending.counter), by: pending.by };
    const outcome: ActivationOutcome = this.images.entry(pending.hash)
      ? await this.run(target, pending.hash, origin)
      : { target, hash: pending.hash, at: this.clock.now(), response: ACTIVATION_RESPONSE.noImageHeld, ...(origin ? { origin } : {}) };
    this.emit('futureActivation', outcome);
  }

  private async run(target: Eui64, hash: string, origin?: ActivationOrigin): Promise<ActivationOutcome> {
    const at = this.clock.now();
    const counter = origin ? { origin } : {};
    try {
      return { target, hash, at, response: ACTIVATION_RESPONSE.success, firmwareVersion: await this.execute(target, hash), ...counter };
    } catch (error) {
      return { target, hash, at, response: ACTIVATION_RESPONSE.activationFailure, error, ...counter };
    }
  }
}
