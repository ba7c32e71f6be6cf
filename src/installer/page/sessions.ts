import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../../hal/clock.js';

/**
 * Signed-in installers. A session is a random 256-bit id in an HttpOnly, SameSite=Strict cookie,
 * held only in this process's memory (a restart signs everyone out) and ending a fixed time after
 * sign-in, however busy: the engineering PIN is proved again, not a phone left on a doorstep.
 */
export const SESSION_COOKIE = 'hub_installer';
/** At most this many at once; the oldest goes first (an installer who signs in twice does not pile them up). */
const MAX_SESSIONS = 8;

export interface Session {
  id: string;
  startedAt: number;
  endsAt: number;
}

export class InstallerSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: Clock,
    private readonly lengthMs: number,
  ) {}

  start(): Session {
    const now = this.clock.now();
    const session = { id: randomBytes(32).toString('base64url'), startedAt: now, endsAt: now + this.lengthMs };
    this.sessions.set(session.id, session);
    for (const oldest of [...this.sessions.keys()].slice(0, Math.max(0, this.sessions.size - MAX_SESSIONS))) this.sessions.delete(oldest);
    return session;
  }

  /** The live session this cookie names; an expired one is dropped and `expired` says so once. */
  find(id: string | undefined): { session?: Session; expired: boolean } {
    if (!id) return { expired: false };
    const session = [...this.sessions.values()].find((candidate) => sameId(candidate.id, id));
    if (!session) return { expired: false };
    if (session.endsAt > this.clock.now()) return { session, expired: false };
    this.sessions.delete(session.id);
    return { expired: true };
  }

  end(id: string): boolean {
    return this.sessions.delete(id);
  }

  clear(): void {
    this.sessions.clear();
  }
}

/** Compared in constant time, so the cookie cannot be guessed a character at a time. */
function sameId(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
