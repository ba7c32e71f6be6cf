import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { silentLogger, type Logger } from '../../hal/log.js';
import type { Eui64, JoinCredential, Radio, RadioEvents } from '../../hal/radio.js';

/**
 * HAN admission: the CHF Device Log is the whitelist the radio enforces. Joining opens only for
 * Devices in the log, each with its own key, each for its own window; the NCP has one
 * permit-joining timer, so concurrent windows are merged into one radio window that is re-armed
 * whenever a Device's window ends. A Device that leaves the log leaves the network.
 */

/** What admission needs from the Device Log (the CHF's DeviceLog satisfies it). */
export interface AdmissionLog {
  has(eui64: Eui64): boolean;
  get(eui64: Eui64): { tcLinkKey?: Buffer } | undefined;
  recordLinkKey(eui64: Eui64, tcLinkKey: Buffer): Promise<unknown>;
  noteCommunication(eui64: Eui64, at?: number, signalStrength?: number): boolean;
  on(event: 'changed', listener: (change: { kind: string; eui64s: Eui64[] }) => void): unknown;
  off(event: 'changed', listener: (change: { kind: string; eui64s: Eui64[] }) => void): unknown;
}

/** Security events admission raises; the Security Log owner maps them to its own codes. */
export const ADMISSION_SECURITY_EVENTS = {
  JOIN_REFUSED_NOT_IN_LOG: 'a Device not in the CHF Device Log tried to join the HAN',
  JOIN_REFUSED_OUTSIDE_WINDOW: 'a Device in the CHF Device Log tried to join outside its join window, or with the wrong key',
  JOINED_WITHOUT_ADMISSION: 'the radio let in a Device that was not admitted; it was removed from the network',
} as const;
export type AdmissionSecurityEvent = keyof typeof ADMISSION_SECURITY_EVENTS;

export interface SecurityEventSink {
  record(code: AdmissionSecurityEvent, detail: { eui64: Eui64; reason: string }): void | Promise<void>;
}

export interface JoinWindowState {
  eui64: Eui64;
  /** ms since the epoch. */
  closesAt: number;
}

export interface AdmissionEvents {
  /** A Device in the log established a TC link key; it is already recorded in the log. */
  linkKeyEstablished: [device: { eui64: Eui64; linkKey: Buffer }];
  /** A Device in the log joined, but the radio could not give its new TC link key: the log has none for it. */
  linkKeyUnreadable: [device: { eui64: Eui64; attempts: number; reason: string }];
  /** The trust centre let in a Device in the log with its pre-configured key; key establishment follows. */
  joinHeard: [device: { eui64: Eui64 }];
  /** `step`: where the radio refused it (the trust centre, or key establishment: a wrong install code); absent when admission removed it. */
  refused: [device: { eui64: Eui64; code: AdmissionSecurityEvent; reason: string; step?: 'trustCentre' | 'keyEstablishment' }];
  /** A Device removed from the log was told to leave the network. */
  deviceRemoved: [device: { eui64: Eui64 }];
  /** A radio or store operation admission started on its own (a timer, an event) failed. */
  failed: [failure: { doing: string; eui64?: Eui64; error: Error }];
}

export class AdmissionError extends HubError {}

/** The longest window the Radio seam (and the NCP) accepts in one call. */
export const MAX_RADIO_WINDOW_SECONDS = 254;

export interface HanAdmissionOptions {
  radio: Radio;
  log: AdmissionLog;
  clock: Clock;
  security: SecurityEventSink;
  logger?: Logger;
}

export class HanAdmission extends EventEmitter<AdmissionEvents> {
  private readonly windows = new Map<Eui64, { linkKey: Buffer; closesAt: number }>();
  /** Joins refused on `deviceJoined`, so the key the radio reports next for them is not recorded. */
  private readonly refusedJoins = new Set<Eui64>();
  /** Devices that joined and whose TC link key the radio could not give, until one is recorded. */
  private readonly unreadableKeys = new Set<Eui64>();
  private timer: Timer | undefined;
  private radioOpen = false;
  private tail: Promise<unknown> = Promise.resolve();
  private started = false;
  private readonly radio: Radio;
  private readonly log: AdmissionLog;
  private readonly clock: Clock;
  private readonly security: SecurityEventSink;
  private readonly logger: Logger;

  constructor(options: HanAdmissionOptions) {
    super();
    this.radio = options.radio;
    this.log = options.log;
    this.clock = options.clock;
    this.security = options.security;
    this.logger = options.logger ?? silentLogger;
  }

  private readonly onJoined = ({ eui64 }: RadioEvents['deviceJoined'][0]): void => {
    const refusal = this.refusalFor(eui64);
    if (refusal) {
      this.refusedJoins.add(eui64);
      this.refuse(eui64, 'JOINED_WITHOUT_ADMISSION', refusal);
      this.removeFromNetwork(eui64, 'remove a Device that joined without admission');
      return;
    }
    this.refusedJoins.delete(eui64);
    this.log.noteCommunication(eui64, this.clock.now());
  };

  private readonly onRefused = ({ eui64, reason, step }: RadioEvents['joinRefused'][0]): void => {
    this.refuse(eui64, this.log.has(eui64) ? 'JOIN_REFUSED_OUTSIDE_WINDOW' : 'JOIN_REFUSED_NOT_IN_LOG', reason, step);
  };

  private readonly onHeard = ({ eui64 }: RadioEvents['joinHeard'][0]): void => {
    if (this.log.has(eui64)) this.emit('joinHeard', { eui64 });
  };

  private readonly onLinkKey = ({ eui64, linkKey }: RadioEvents['linkKeyEstablished'][0]): void => {
    if (this.refusedJoins.delete(eui64)) return;
    const refusal = this.refusalFor(eui64);
    if (refusal) {
      this.refuse(eui64, 'JOINED_WITHOUT_ADMISSION', refusal);
      this.removeFromNetwork(eui64, 'remove a Device that joined without admission');
      return;
    }
    const key = Buffer.from(linkKey);
    this.log.recordLinkKey(eui64, key).then(
      () => {
        this.unreadableKeys.delete(eui64);
        this.emit('linkKeyEstablished', { eui64, linkKey: key });
        // Its window has served; a failure to reprogram is reported through `failed`.
        return this.closeWindow(eui64).catch(() => undefined);
      },
      (error: unknown) => this.fail('record the TC link key', error, eui64),
    );
  };

  private readonly onLinkKeyUnreadable = ({ eui64, attempts, reason }: RadioEvents['linkKeyUnreadable'][0]): void => {
    if (this.refusedJoins.has(eui64) || !this.log.has(eui64)) return;
    this.unreadableKeys.add(eui64);
    this.logger.error({ eui64, attempts, detail: reason }, 'a Device joined but its TC link key could not be read from the radio; the Device Log has no key for it');
    this.emit('linkKeyUnreadable', { eui64, attempts, reason });
  };

  private readonly onMessage = ({ eui64, rssi }: RadioEvents['message'][0]): void => {
    this.log.noteCommunication(eui64, this.clock.now(), rssi);
  };

  private readonly onLogChanged = ({ kind, eui64s }: { kind: string; eui64s: Eui64[] }): void => {
    if (kind !== 'removed' && kind !== 'restored') return;
    for (const eui64 of eui64s) {
      if (this.log.has(eui64)) continue;
      if (this.windows.delete(eui64)) this.reprogram().catch(() => undefined);
      this.removeFromNetwork(eui64, 'remove a Device that left the log');
    }
  };

  start(): void {
    if (this.started) return;
    this.started = true;
    this.radio.on('deviceJoined', this.onJoined);
    this.radio.on('joinRefused', this.onRefused);
    this.radio.on('joinHeard', this.onHeard);
    this.radio.on('linkKeyEstablished', this.onLinkKey);
    this.radio.on('linkKeyUnreadable', this.onLinkKeyUnreadable);
    this.radio.on('message', this.onMessage);
    this.log.on('changed', this.onLogChanged);
  }

  /** Detach, forget every window and close joining. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.radio.off('deviceJoined', this.onJoined);
    this.radio.off('joinRefused', this.onRefused);
    this.radio.off('joinHeard', this.onHeard);
    this.radio.off('linkKeyEstablished', this.onLinkKey);
    this.radio.off('linkKeyUnreadable', this.onLinkKeyUnreadable);
    this.radio.off('message', this.onMessage);
    this.log.off('changed', this.onLogChanged);
    this.windows.clear();
    await this.reprogram();
  }

  /** Let `eui64` (which must be in the log) join with `linkKey` for `durationMs`, alongside any other open windows. */
  async openWindow(eui64: Eui64, linkKey: Buffer, durationMs: number): Promise<void> {
    if (!this.log.has(eui64)) throw new AdmissionError('NOT_IN_DEVICE_LOG', 'is not in the CHF Device Log, so it may not join', { where: eui64 });
    if (linkKey.length !== 16) throw new AdmissionError('JOIN_KEY_BAD_LENGTH', `a join key is 16 bytes, not ${linkKey.length}`, { where: eui64 });
    if (!Number.isFinite(durationMs) || durationMs <= 0) throw new AdmissionError('JOIN_WINDOW_INVALID', `a join window of ${durationMs} ms is not positive`, { where: eui64 });
    this.windows.set(eui64, { linkKey: Buffer.from(linkKey), closesAt: this.clock.now() + durationMs });
    await this.reprogram();
  }

  async closeWindow(eui64: Eui64): Promise<void> {
    if (this.windows.delete(eui64)) await this.reprogram();
  }

  openWindows(): JoinWindowState[] {
    return [...this.windows].map(([eui64, w]) => ({ eui64, closesAt: w.closesAt }));
  }

  /** Whether `eui64` joined without the radio giving its TC link key (none recorded since). */
  linkKeyUnread(eui64: Eui64): boolean {
    return this.unreadableKeys.has(eui64);
  }

  /** The relay asks this before forwarding anything to or from a Device. */
  isAdmitted(eui64: Eui64): boolean {
    return this.log.has(eui64);
  }

  /** Resolves once every radio call admission has started has finished. */
  async settled(): Promise<void> {
    for (let seen = this.tail; ; seen = this.tail) {
      await seen;
      if (seen === this.tail) return;
    }
  }

  private refusalFor(eui64: Eui64): string | undefined {
    if (!this.log.has(eui64)) return 'not in the CHF Device Log';
    const window = this.windows.get(eui64);
    if (window && window.closesAt > this.clock.now()) return undefined;
    // A Device that already holds a TC link key may rejoin with it at any time.
    if (this.log.get(eui64)?.tcLinkKey) return undefined;
    return 'no join window was open for it';
  }

  private refuse(eui64: Eui64, code: AdmissionSecurityEvent, reason: string, step?: 'trustCentre' | 'keyEstablishment'): void {
    this.logger.warn({ eui64, code, reason }, ADMISSION_SECURITY_EVENTS[code]);
    Promise.resolve()
      .then(() => this.security.record(code, { eui64, reason }))
      .catch((error: unknown) => this.fail('record a security event', error, eui64));
    this.emit('refused', step === undefined ? { eui64, code, reason } : { eui64, code, reason, step });
  }

  private removeFromNetwork(eui64: Eui64, doing: string): void {
    const removal = async (): Promise<void> => {
      await this.radio.removeDevice(eui64);
      this.emit('deviceRemoved', { eui64 });
    };
    // Nobody waits for this one: a failure is reported through `failed`.
    this.enqueue(removal, doing, eui64).catch(() => undefined);
  }

  private reprogram(): Promise<void> {
    return this.enqueue(() => this.program(), 'program the join window');
  }

  /** Radio calls run one at a time, in order; a failure is reported, and also returned to a caller that waits. */
  private enqueue(run: () => Promise<void>, doing: string, eui64?: Eui64): Promise<void> {
    const result = this.tail.then(run);
    this.tail = result.catch((error: unknown) => this.fail(doing, error, eui64));
    return result;
  }

  /** Give the radio the union of the open windows, for as long as the longest (≤ 254 s at a time). */
  private async program(): Promise<void> {
    const now = this.clock.now();
    for (const [eui64, window] of this.windows) if (window.closesAt <= now) this.windows.delete(eui64);
    this.timer?.cancel();
    this.timer = undefined;
    if (this.windows.size === 0) {
      if (this.radioOpen) await this.radio.closeJoining();
      this.radioOpen = false;
      return;
    }
    const windows = [...this.windows.values()];
    const longest = Math.max(...windows.map((w) => w.closesAt)) - now;
    const seconds = Math.min(MAX_RADIO_WINDOW_SECONDS, Math.ceil(longest / 1000));
    const credentials: JoinCredential[] = [...this.windows].map(([eui64, w]) => ({ eui64, linkKey: w.linkKey }));
    await this.radio.permitJoining(credentials, seconds);
    this.radioOpen = true;
    const nextChange = Math.min(...windows.map((w) => w.closesAt), now + seconds * 1000);
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.reprogram().catch(() => undefined);
    }, nextChange - now);
  }

  private fail(doing: string, error: unknown, eui64?: Eui64): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    this.logger.warn({ eui64, detail: failure.message }, `could not ${doing}`);
    this.emit('failed', eui64 === undefined ? { doing, error: failure } : { doing, eui64, error: failure });
  }
}
