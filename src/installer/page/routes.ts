import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HubError } from '../../../hal/errors.js';
import { labelOf, type LabelArgs } from '../label.js';
import type { PinStore } from '../../security/pin-store.js';
import type { JoinProgressEvent } from '../join-stages.js';
import { pageState, type PageHub } from './hub-view.js';
import { SECURITY_HEADERS } from './guard.js';
import { InstallerSessions, SESSION_COOKIE, type Session } from './sessions.js';

/**
 * The installer page's API: sign in with the engineering PIN, the hub's state, a label checked on
 * the spot, pair, remove, and the join progress pushed as Server-Sent Events. Everything but
 * sign-in needs a live session. Answers are JSON; errors are `{ error: { code, message } }` with
 * the HubError's words, never a stack or anything personal.
 */
export interface RouteDeps {
  hub: PageHub;
  pins: Pick<PinStore, 'verify'>;
  sessions: InstallerSessions;
  https: boolean;
  /** Records an installer's sign-in and sign-out in the Event Log. */
  record(event: 'installerSignedIn' | 'installerSignedOut', detail: Record<string, string | number>): Promise<void>;
}

const labelSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { label: { type: 'string', maxLength: 512 }, eui64: { type: 'string', maxLength: 64 }, installCode: { type: 'string', maxLength: 128 }, deviceType: { type: 'string', maxLength: 16 } },
} as const;

function cookieOptions(https: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: https };
}

function refuse(reply: FastifyReply, status: number, code: string, message: string, extra: Record<string, unknown> = {}) {
  return reply.code(status).send({ error: { code, message, ...extra } });
}

function hubErrorReply(reply: FastifyReply, error: unknown) {
  if (error instanceof HubError) return refuse(reply, 422, error.code, error.message);
  throw error;
}

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { hub, sessions } = deps;

  /** The caller's live session, or an answer refusing it (expired sessions are logged out once). */
  const sessionOf = (request: FastifyRequest, reply: FastifyReply): Session | undefined => {
    const found = sessions.find(request.cookies[SESSION_COOKIE]);
    if (found.session) return found.session;
    if (found.expired) {
      void deps.record('installerSignedOut', { reason: 'session expired' }).catch(() => undefined);
      reply.clearCookie(SESSION_COOKIE, cookieOptions(deps.https));
    }
    void refuse(reply, 401, found.expired ? 'SESSION_EXPIRED' : 'NOT_SIGNED_IN', found.expired ? 'your session has ended: sign in again with the engineering PIN' : 'sign in with the engineering PIN first');
    return undefined;
  };

  app.post('/api/login', { schema: { body: { type: 'object', required: ['pin'], additionalProperties: false, properties: { pin: { type: 'string', maxLength: 32 } } } } }, async (request, reply) => {
    const { pin } = request.body as { pin: string };
    const verdict = await deps.pins.verify('engineering', pin, 'installer');
    if (!verdict.ok) {
      if (verdict.why === 'notSet') return refuse(reply, 409, 'PIN_NOT_SET', 'no engineering PIN is set on this hub yet: set it with hub pin set');
      const seconds = Math.ceil(verdict.retryAfterMs / 1000);
      if (verdict.why === 'locked' || seconds > 0) {
        return refuse(reply.header('retry-after', String(seconds)), 429, 'PIN_LOCKED', `too many wrong PINs: PIN entry is locked for ${seconds} s`, { retryAfterSeconds: seconds });
      }
      return refuse(reply, 401, 'PIN_WRONG', 'that is not the engineering PIN');
    }
    const session = sessions.start();
    await deps.record('installerSignedIn', { endsAt: new Date(session.endsAt).toISOString() });
    reply.setCookie(SESSION_COOKIE, session.id, cookieOptions(deps.https));
    return { signedIn: true, endsAt: session.endsAt, mode: hub.pairing.mode };
  });

  app.post('/api/logout', async (request, reply) => {
    const id = request.cookies[SESSION_COOKIE];
    if (id && sessions.end(id)) await deps.record('installerSignedOut', { reason: 'signed out' });
    reply.clearCookie(SESSION_COOKIE, cookieOptions(deps.https));
    return { signedOut: true };
  });

  app.get('/api/state', async (request, reply) => {
    const session = sessionOf(request, reply);
    if (!session) return reply;
    return { ...pageState(hub), session: { endsAt: session.endsAt } };
  });

  app.post('/api/labels/check', { schema: { body: labelSchema } }, async (request, reply) => {
    if (!sessionOf(request, reply)) return reply;
    try {
      return { ...hub.pairing.check(labelOf(request.body as LabelArgs)), mode: hub.pairing.mode };
    } catch (error) {
      return hubErrorReply(reply, error);
    }
  });

  app.post('/api/pair', { schema: { body: labelSchema } }, async (request, reply) => {
    if (!sessionOf(request, reply)) return reply;
    const body = request.body as LabelArgs & { deviceType?: string };
    try {
      return await hub.pairing.add(labelOf(body), body.deviceType, 'page');
    } catch (error) {
      return hubErrorReply(reply, error);
    }
  });

  app.post('/api/remove', { schema: { body: { type: 'object', required: ['eui64'], additionalProperties: false, properties: { eui64: { type: 'string', maxLength: 64 } } } } }, async (request, reply) => {
    if (!sessionOf(request, reply)) return reply;
    try {
      return await hub.pairing.remove((request.body as { eui64: string }).eui64, 'page');
    } catch (error) {
      return hubErrorReply(reply, error);
    }
  });

  app.get('/api/events', (request, reply) => {
    const session = sessionOf(request, reply);
    if (!session) return reply;
    streamProgress(request, reply, hub, session);
    return reply;
  });
}

/** Join progress as Server-Sent Events until the session ends or the page goes away. */
function streamProgress(request: FastifyRequest, reply: FastifyReply, hub: PageHub, session: Session): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
  const send = (name: string, data: unknown) => raw.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  send('snapshot', { now: Date.now(), journeys: hub.joinProgress.list() });
  const onProgress = (event: JoinProgressEvent) => send('progress', { now: Date.now(), event });
  hub.joinProgress.on('progress', onProgress);
  // A comment line now and then keeps proxies and the phone's network from closing a quiet stream.
  const heartbeat = setInterval(() => raw.write(': still here\n\n'), 15_000);
  const ending = setTimeout(() => {
    send('sessionEnded', { reason: 'your session has ended: sign in again with the engineering PIN' });
    raw.end();
  }, Math.max(0, session.endsAt - Date.now()));
  const stop = () => {
    clearInterval(heartbeat);
    clearTimeout(ending);
    hub.joinProgress.off('progress', onProgress);
  };
  request.raw.once('close', stop);
  raw.once('close', stop);
}
