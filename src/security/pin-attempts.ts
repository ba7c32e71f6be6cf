/**
 * How many wrong PINs are tolerated, and how long each lockout lasts. A four-digit privacy PIN has
 * 10,000 values; with three free tries and then lockouts that grow to a day, guessing it takes years.
 * The count is stored with the PIN (a reboot does not reset it) and only a right PIN clears it.
 *
 * Times are wall-clock (the Clock's `now`), because they must survive a restart. If the clock is set
 * back during a lockout, the lockout is still never longer than its own length.
 */
export const PIN_ATTEMPT_POLICY = {
  /** Wrong PINs allowed before the first lockout. */
  freeFailures: 3,
  /** The lockout after each further wrong PIN; the last step repeats. */
  lockoutsMs: [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000, 4 * 60 * 60_000, 24 * 60 * 60_000],
} as const;

export interface PinAttempts {
  /** Wrong PINs since the last right one. */
  failures: number;
  /** Lockouts since the last right PIN; picks the next lockout's length. */
  lockouts: number;
  /** When the current (or last) lockout began, UTC ms. */
  lockedAt?: number;
  lockedForMs?: number;
  /** Attempts refused during the current lockout; only the first is logged so a flood cannot push older entries out of the Security Log. */
  refusedWhileLocked?: number;
}

export const NO_ATTEMPTS: PinAttempts = Object.freeze({ failures: 0, lockouts: 0 });

/** Milliseconds until PIN entry opens again (0 when it is open now). */
export function lockRemaining(attempts: PinAttempts, now: number): number {
  if (attempts.lockedAt === undefined || attempts.lockedForMs === undefined) return 0;
  const remaining = attempts.lockedAt + attempts.lockedForMs - now;
  return Math.max(0, Math.min(remaining, attempts.lockedForMs));
}

export interface FailureOutcome {
  attempts: PinAttempts;
  /** Set when this failure started a lockout. */
  lockedForMs?: number;
}

/**
 * A lockout whose start lies in the future (the clock was set back) restarts now, so it lasts its
 * own length from here rather than until the clock catches up.
 */
export function reanchored(attempts: PinAttempts, now: number): PinAttempts {
  return attempts.lockedAt !== undefined && now < attempts.lockedAt ? { ...attempts, lockedAt: now } : attempts;
}

/** The state after one more wrong PIN at `now`. */
export function afterFailure(attempts: PinAttempts, now: number): FailureOutcome {
  const failures = attempts.failures + 1;
  if (failures < PIN_ATTEMPT_POLICY.freeFailures) return { attempts: { failures, lockouts: attempts.lockouts } };
  const steps = PIN_ATTEMPT_POLICY.lockoutsMs;
  const lockedForMs = steps[Math.min(attempts.lockouts, steps.length - 1)]!;
  return { attempts: { failures, lockouts: attempts.lockouts + 1, lockedAt: now, lockedForMs, refusedWhileLocked: 0 }, lockedForMs };
}

/** The state after an attempt refused because entry is locked. */
export function afterRefusedWhileLocked(attempts: PinAttempts): PinAttempts {
  return { ...attempts, refusedWhileLocked: (attempts.refusedWhileLocked ?? 0) + 1 };
}

export function isPinAttempts(value: unknown): value is PinAttempts {
  const a = value as PinAttempts | null;
  const count = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  const optional = (n: unknown) => n === undefined || (typeof n === 'number' && Number.isFinite(n) && n >= 0);
  return typeof a === 'object' && a !== null && count(a.failures) && count(a.lockouts) && optional(a.lockedAt) && optional(a.lockedForMs) && optional(a.refusedWhileLocked);
}
