import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../../hal/clock.js';
import { linkKeyFromInstallCode } from '../../hal/install-code.js';
import type { Eui64 } from '../../hal/radio.js';
import type { DeviceLog } from './device-log.js';
import { DeviceLogError } from './errors.js';

/**
 * CCS01's join window. A Device in the Historic Device Log may first resume with its old TC link key
 * for half of `join_timeout`; if it does not, it may join with its install-code key for the other
 * half. A Device with no history gets the install-code key for the whole of `join_timeout`.
 * The Clock drives the halves; HAN admission (the gate) does the radio work.
 */

/** What the join window needs from HAN admission (src/han/admission.ts satisfies it). */
export interface JoinGate {
  openWindow(eui64: Eui64, linkKey: Buffer, durationMs: number): Promise<void>;
  closeWindow(eui64: Eui64): Promise<void>;
  on(event: 'linkKeyEstablished', listener: (device: { eui64: Eui64; linkKey: Buffer }) => void): unknown;
  off(event: 'linkKeyEstablished', listener: (device: { eui64: Eui64; linkKey: Buffer }) => void): unknown;
}

export type JoinPhase = 'historicKey' | 'installCode';

export interface JoinPlanStep {
  phase: JoinPhase;
  durationMs: number;
}

export interface JoinWindowEvents {
  /** A window opened (by CCS01, or re-opened locally), with its plan: each half's length, in order, from `at`. */
  opened: [event: { eui64: Eui64; at: number; plan: JoinPlanStep[] }];
  phase: [event: { eui64: Eui64; phase: JoinPhase; closesAt: number }];
  /** The Device established a key in this phase; `resumedWithHistoricKey` when it kept its old one. */
  joined: [event: { eui64: Eui64; phase: JoinPhase; resumedWithHistoricKey: boolean }];
  expired: [event: { eui64: Eui64 }];
  failed: [event: { eui64: Eui64; error: Error }];
}

/** GBCS carries join_timeout as a long-unsigned (seconds). */
export const MAX_JOIN_TIMEOUT_SECONDS = 0xffff;

interface ActiveWindow {
  phase: JoinPhase;
  historicKey: Buffer | undefined;
  timer: Timer;
}

export class JoinWindows extends EventEmitter<JoinWindowEvents> {
  private readonly active = new Map<Eui64, ActiveWindow>();
  /** The join_timeout each Device's last window was opened with, so an installer can re-open the window its CCS01 set. */
  private readonly timeouts = new Map<Eui64, number>();

  constructor(
    private readonly log: DeviceLog,
    private readonly gate: JoinGate,
    private readonly clock: Clock,
  ) {
    super();
    gate.on('linkKeyEstablished', this.onLinkKey);
    log.on('changed', this.onLogChanged);
  }

  /** A Device that leaves the log loses its window (admission has already closed the radio side). */
  private readonly onLogChanged = ({ eui64s }: { eui64s: Eui64[] }): void => {
    for (const eui64 of eui64s) {
      if (this.log.has(eui64)) continue;
      this.cancelTimer(eui64);
      this.timeouts.delete(eui64);
    }
  };

  private readonly onLinkKey = ({ eui64, linkKey }: { eui64: Eui64; linkKey: Buffer }): void => {
    const window = this.active.get(eui64);
    if (!window) return;
    window.timer.cancel();
    this.active.delete(eui64);
    const resumedWithHistoricKey = window.phase === 'historicKey' && (window.historicKey?.equals(linkKey) ?? false);
    this.emit('joined', { eui64, phase: window.phase, resumedWithHistoricKey });
  };

  /** Open `eui64`'s window (it must be in the log); replaces a window it already has. Returns the plan. */
  async open(eui64: Eui64, joinTimeoutSeconds: number): Promise<JoinPlanStep[]> {
    if (!Number.isInteger(joinTimeoutSeconds) || joinTimeoutSeconds < 1 || joinTimeoutSeconds > MAX_JOIN_TIMEOUT_SECONDS) {
      throw new DeviceLogError('JOIN_TIMEOUT_INVALID', `join_timeout ${joinTimeoutSeconds} is not 1..${MAX_JOIN_TIMEOUT_SECONDS} seconds`, { where: eui64 });
    }
    const entry = this.log.get(eui64);
    if (!entry) throw new DeviceLogError('DEVICE_NOT_IN_LOG', 'is not in the CHF Device Log', { where: eui64 });
    if (!entry.installCode) throw new DeviceLogError('INSTALL_CODE_MISSING', 'has no install code to join with', { where: eui64 });
    this.cancelTimer(eui64);
    this.timeouts.set(eui64, joinTimeoutSeconds);
    const totalMs = joinTimeoutSeconds * 1000;
    const historicKey = this.log.historic.get(eui64)?.tcLinkKey;
    const installCodeKey = linkKeyFromInstallCode(entry.installCode);
    const at = this.clock.now();
    if (!historicKey) {
      const plan: JoinPlanStep[] = [{ phase: 'installCode', durationMs: totalMs }];
      this.emit('opened', { eui64, at, plan });
      await this.reportFailure(eui64, this.enter(eui64, 'installCode', installCodeKey, totalMs, undefined));
      return plan;
    }
    const firstHalf = Math.floor(totalMs / 2);
    const plan: JoinPlanStep[] = [
      { phase: 'historicKey', durationMs: firstHalf },
      { phase: 'installCode', durationMs: totalMs - firstHalf },
    ];
    this.emit('opened', { eui64, at, plan });
    await this.reportFailure(eui64, this.enter(eui64, 'historicKey', historicKey, firstHalf, () => this.secondHalf(eui64, installCodeKey, totalMs - firstHalf)));
    return plan;
  }

  /** The join_timeout (seconds) `eui64`'s last window was opened with while this hub runs, if any. */
  lastJoinTimeout(eui64: Eui64): number | undefined {
    return this.timeouts.get(eui64);
  }

  phaseOf(eui64: Eui64): JoinPhase | undefined {
    return this.active.get(eui64)?.phase;
  }

  async cancel(eui64: Eui64): Promise<void> {
    if (!this.cancelTimer(eui64)) return;
    await this.gate.closeWindow(eui64);
  }

  stop(): void {
    for (const eui64 of [...this.active.keys()]) this.cancelTimer(eui64);
    this.gate.off('linkKeyEstablished', this.onLinkKey);
    this.log.off('changed', this.onLogChanged);
  }

  private async enter(eui64: Eui64, phase: JoinPhase, key: Buffer, durationMs: number, next: (() => void) | undefined): Promise<void> {
    const historicKey = phase === 'historicKey' ? key : undefined;
    const timer = this.clock.setTimeout(() => {
      if (this.active.get(eui64)?.timer !== timer) return;
      if (next) return next();
      this.active.delete(eui64);
      this.emit('expired', { eui64 });
    }, durationMs);
    this.active.set(eui64, { phase, historicKey, timer });
    try {
      await this.gate.openWindow(eui64, key, durationMs);
    } catch (error) {
      this.cancelTimer(eui64);
      throw error;
    }
    this.emit('phase', { eui64, phase, closesAt: this.clock.now() + durationMs });
  }

  /** A window announced as opened that the radio would not open is reported failed too, so no watcher waits on it. */
  private async reportFailure(eui64: Eui64, opening: Promise<void>): Promise<void> {
    try {
      await opening;
    } catch (error) {
      this.emit('failed', { eui64, error: error instanceof Error ? error : new Error(String(error)) });
      throw error;
    }
  }

  private secondHalf(eui64: Eui64, installCodeKey: Buffer, durationMs: number): void {
    this.enter(eui64, 'installCode', installCodeKey, durationMs, undefined).catch((error: unknown) => {
      this.emit('failed', { eui64, error: error instanceof Error ? error : new Error(String(error)) });
    });
  }

  private cancelTimer(eui64: Eui64): boolean {
    const window = this.active.get(eui64);
    if (!window) return false;
    window.timer.cancel();
    this.active.delete(eui64);
    return true;
  }
}
