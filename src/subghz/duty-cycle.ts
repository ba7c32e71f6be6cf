import type { Eui64 } from '../../hal/radio.js';
import { AirtimeWindow, budgetMicros } from './airtime.js';
import { DUTY_CYCLE_WINDOW_MS, REGULATED_DUTY_CYCLE_LIMIT } from './constants.js';

/**
 * Duty-cycle accounting for the Sub GHz HAN, kept in memory and driven by the caller's clock
 * readings. It decides; it does not persist or emit: the Sub GHz state turns its decisions into
 * store writes and alerts.
 *
 * Two rules, as the Silicon Labs Sub-GHz server applies them and the GBCS alerts name them:
 * - a Device whose own airtime in the last hour reaches its limit is paused (DBCH06) until its
 *   suspension has run and its hour allows it again; if what it sent while paused keeps its hour
 *   full past that, it is paused anew (another DBCH06);
 * - the hub's own airtime moves it between Normal, Limited, Critical and Regulated. Entering
 *   Limited pauses the most talkative Device not yet paused; entering Critical pauses every Device;
 *   at Regulated the hub sends nothing more until its hour allows. While the hub stays Limited the
 *   Device it chose is paused again if it transmits after its pause ran out; while Critical, any
 *   Device is.
 */
export type DutyCycleLevel = 'normal' | 'limited' | 'critical' | 'regulated';
export const DUTY_CYCLE_LEVELS: readonly DutyCycleLevel[] = ['normal', 'limited', 'critical', 'regulated'];

export type PauseCause = 'deviceLimit' | 'limited' | 'critical';

export interface Pause {
  eui64: Eui64;
  since: number;
  until: number;
  cause: PauseCause;
}

/** All in hundredths of a percent of the hour, except `suspendMs`. */
export interface DutyCycleLimits {
  normalLimited: number;
  limitedCritical: number;
  regulated: number;
  device: number;
  suspendMs: number;
}

export type DutyCycleDecision =
  | { kind: 'paused'; pause: Pause }
  | { kind: 'resumed'; eui64: Eui64; at: number }
  | { kind: 'levelChanged'; from: DutyCycleLevel; to: DutyCycleLevel; at: number };

export const DEFAULT_LIMITS: DutyCycleLimits = { normalLimited: 100, limitedCritical: 180, regulated: REGULATED_DUTY_CYCLE_LIMIT, device: 100, suspendMs: 5 * 60_000 };

export class DutyCycleManager {
  private readonly devices = new Map<Eui64, AirtimeWindow>();
  private readonly hub: AirtimeWindow;
  private readonly pauses = new Map<Eui64, Pause>();
  private currentLevel: DutyCycleLevel = 'normal';
  private chosen: Eui64 | undefined;

  constructor(
    private limits: DutyCycleLimits = DEFAULT_LIMITS,
    readonly windowMs = DUTY_CYCLE_WINDOW_MS,
  ) {
    this.hub = new AirtimeWindow(windowMs);
  }

  get level(): DutyCycleLevel {
    return this.currentLevel;
  }

  setLimits(limits: DutyCycleLimits): void {
    this.limits = { ...limits };
  }

  /** A Device the hub serves at Sub GHz (a Critical pause reaches it even if it never spoke). */
  addDevice(eui64: Eui64): void {
    if (!this.devices.has(eui64)) this.devices.set(eui64, new AirtimeWindow(this.windowMs));
  }

  removeDevice(eui64: Eui64): void {
    this.devices.delete(eui64);
    this.pauses.delete(eui64);
    if (this.chosen === eui64) this.chosen = undefined;
  }

  /** Re-arm a pause read back from the store after a restart. */
  restorePause(pause: Pause): void {
    this.addDevice(pause.eui64);
    this.pauses.set(pause.eui64, { ...pause });
  }

  pauseOf(eui64: Eui64): Pause | undefined {
    const pause = this.pauses.get(eui64);
    return pause && { ...pause };
  }

  pausedDevices(): Pause[] {
    return [...this.pauses.values()].map((pause) => ({ ...pause }));
  }

  isPaused(eui64: Eui64, at: number): boolean {
    const pause = this.pauses.get(eui64);
    return pause !== undefined && at < pause.until;
  }

  /** Airtime (µs) a Device used in the hour ending at `at`. */
  deviceUsage(eui64: Eui64, at: number): number {
    return this.devices.get(eui64)?.used(at) ?? 0;
  }

  hubUsage(at: number): number {
    return this.hub.used(at);
  }

  budget(hectoPercent: number): number {
    return budgetMicros(hectoPercent, this.windowMs);
  }

  /** A frame the Device sent (the hub heard it). */
  deviceTransmitted(eui64: Eui64, micros: number, at: number): DutyCycleDecision[] {
    this.addDevice(eui64);
    const window = this.devices.get(eui64) as AirtimeWindow;
    window.add(at, micros);
    const decisions = this.tick(at);
    if (this.isPaused(eui64, at)) return decisions;
    const limit = this.budget(this.limits.device);
    if (window.used(at) >= limit) {
      decisions.push(this.pause(eui64, at, 'deviceLimit', Math.max(at + this.limits.suspendMs, window.whenBelow(limit, at))));
    } else if (this.currentLevel === 'critical' || this.currentLevel === 'regulated') {
      decisions.push(this.pause(eui64, at, 'critical', at + this.limits.suspendMs));
    } else if (this.currentLevel === 'limited' && this.chosen === eui64) {
      decisions.push(this.pause(eui64, at, 'limited', at + this.limits.suspendMs));
    }
    return decisions;
  }

  /** Whether the hub may put a frame of this airtime on air now without passing the regulated limit. */
  mayHubTransmit(micros: number, at: number): boolean {
    return this.hub.used(at) + micros <= this.budget(this.limits.regulated);
  }

  /** A frame the hub sent. */
  hubTransmitted(micros: number, at: number): DutyCycleDecision[] {
    this.hub.add(at, micros);
    return this.tick(at);
  }

  /** Let time pass: expire pauses the hour now allows, and move the hub's level with its window. */
  tick(at: number): DutyCycleDecision[] {
    const decisions: DutyCycleDecision[] = [];
    for (const pause of [...this.pauses.values()]) {
      if (at < pause.until) continue;
      const window = this.devices.get(pause.eui64);
      const allowedAt = pause.cause === 'deviceLimit' && window ? window.whenBelow(this.budget(this.limits.device), at) : at;
      if (allowedAt > at) {
        // The Device kept transmitting while paused, so its hour still holds its limit: the hub
        // acts again, and says so, rather than stretching an action it reported over an hour ago.
        decisions.push(this.pause(pause.eui64, at, pause.cause, allowedAt));
        continue;
      }
      this.pauses.delete(pause.eui64);
      decisions.push({ kind: 'resumed', eui64: pause.eui64, at });
    }
    const level = this.levelAt(at);
    if (level !== this.currentLevel) decisions.push(...this.changeLevel(level, at));
    return decisions;
  }

  /** When `tick` next has something to do (a pause ending, the hub's level falling), if ever. */
  nextDueAt(at: number): number | undefined {
    const times = [...this.pauses.values()].map((pause) => pause.until);
    const threshold = this.levelThreshold(this.currentLevel);
    if (threshold !== undefined) times.push(this.hub.whenBelow(this.budget(threshold), at));
    return times.length === 0 ? undefined : Math.max(at, Math.min(...times));
  }

  private levelThreshold(level: DutyCycleLevel): number | undefined {
    if (level === 'limited') return this.limits.normalLimited;
    if (level === 'critical') return this.limits.limitedCritical;
    if (level === 'regulated') return this.limits.regulated;
    return undefined;
  }

  private levelAt(at: number): DutyCycleLevel {
    const used = this.hub.used(at);
    if (used >= this.budget(this.limits.regulated)) return 'regulated';
    if (used >= this.budget(this.limits.limitedCritical)) return 'critical';
    if (used >= this.budget(this.limits.normalLimited)) return 'limited';
    return 'normal';
  }

  /** One decision per boundary crossed, so every level in between is reported (and acted on) in order. */
  private changeLevel(level: DutyCycleLevel, at: number): DutyCycleDecision[] {
    const decisions: DutyCycleDecision[] = [];
    const target = DUTY_CYCLE_LEVELS.indexOf(level);
    while (this.currentLevel !== level) {
      const from = this.currentLevel;
      const here = DUTY_CYCLE_LEVELS.indexOf(from);
      const to = DUTY_CYCLE_LEVELS[here + (target > here ? 1 : -1)] as DutyCycleLevel;
      this.currentLevel = to;
      decisions.push({ kind: 'levelChanged', from, to, at });
      if (to === 'limited' && from === 'normal') {
        this.chosen = this.mostTalkative(at);
        if (this.chosen !== undefined) decisions.push(this.pause(this.chosen, at, 'limited', at + this.limits.suspendMs));
      } else if (to === 'critical' && from === 'limited') {
        for (const eui64 of this.devices.keys()) if (!this.isPaused(eui64, at)) decisions.push(this.pause(eui64, at, 'critical', at + this.limits.suspendMs));
      } else if (to === 'normal') {
        this.chosen = undefined;
      }
    }
    return decisions;
  }

  /** The unpaused Device with the most airtime this hour (none if no unpaused Device has spoken). */
  private mostTalkative(at: number): Eui64 | undefined {
    let best: Eui64 | undefined;
    let most = 0;
    for (const [eui64, window] of this.devices) {
      const used = window.used(at);
      if (used > most && !this.isPaused(eui64, at)) [best, most] = [eui64, used];
    }
    return best;
  }

  private pause(eui64: Eui64, at: number, cause: PauseCause, until: number): DutyCycleDecision {
    const pause: Pause = { eui64, since: at, until, cause };
    this.pauses.set(eui64, pause);
    return { kind: 'paused', pause: { ...pause } };
  }
}
