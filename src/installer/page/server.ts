import { readFile } from 'node:fs/promises';
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Clock } from '../../../hal/clock.js';
import { HubError } from '../../../hal/errors.js';
import type { Logger } from '../../../hal/log.js';
import type { InstallerConfig } from '../../config.js';
import { HUB_EVENTS, type EventLog, type SecurityLog } from '../../logs/index.js';
import type { PinStore } from '../../security/pin-store.js';
import { guard, SECURITY_HEADERS, type GuardSettings } from './guard.js';
import type { PageHub } from './hub-view.js';
import { registerRoutes } from './routes.js';
import { InstallerSessions } from './sessions.js';

/**
 * The installer's local web page, served by the hub when `installer.page.enabled` is set: on one
 * interface (127.0.0.1 unless configured), over HTTPS when a certificate is configured, its HTML,
 * script and style from this folder (nothing from the internet). Fastify carries the HTTP: its
 * schema-checked bodies, cookie handling and `inject` for tests are the parts a hand-written
 * server would get wrong; it is kept on Node's own HTTP/1.1 with no other plugins.
 */
export class InstallerPageError extends HubError {}

export interface InstallerPageOptions {
  hub: PageHub;
  config: InstallerConfig['page'];
  pins: Pick<PinStore, 'verify'>;
  eventLog: Pick<EventLog, 'record'>;
  securityLog: Pick<SecurityLog, 'record'>;
  clock: Clock;
  logger: Logger;
}

export interface InstallerPage {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

const ASSETS = { '/': ['index.html', 'text/html; charset=utf-8'], '/app.js': ['app.js', 'text/javascript; charset=utf-8'], '/app.css': ['app.css', 'text/css; charset=utf-8'] } as const;
/** Refusals the Security Log takes per hour for each reason; the rest only count, so a flood cannot push older entries out. */
const REFUSALS_LOGGED_PER_HOUR = 10;

async function tls(config: InstallerConfig['page']): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (!config.cert || !config.key) return undefined;
  const read = (path: string) => readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new InstallerPageError('INSTALLER_PAGE_TLS', `cannot be read (${error.code ?? 'error'})`, { where: path });
  });
  return { cert: await read(config.cert), key: await read(config.key) };
}

/** Builds the page (not listening): tests `inject` into it; `startInstallerPage` listens. */
export async function buildInstallerPage(options: InstallerPageOptions): Promise<{ app: FastifyInstance; settings: GuardSettings }> {
  const { config } = options;
  const https = await tls(config);
  const settings: GuardSettings = { host: config.host, port: config.port, allowNetwork: config.allowNetwork, https: https !== undefined };
  // forceCloseConnections: the pushed progress streams never end by themselves, and a stopping hub must not wait on a phone.
  const common = { logger: false, bodyLimit: 16 * 1024, forceCloseConnections: true } as const;
  const app = (https ? Fastify({ ...common, https }) : Fastify(common)) as unknown as FastifyInstance;
  await app.register(cookie);
  const sessions = new InstallerSessions(options.clock, config.sessionMinutes * 60_000);
  const refusals = new Map<string, { hour: number; count: number }>();

  app.addHook('onRequest', async (request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    const verdict = guard(settings, {
      remoteAddress: request.socket.remoteAddress ?? request.ip,
      host: request.headers.host,
      origin: request.headers.origin,
      secFetchSite: request.headers['sec-fetch-site'] as string | undefined,
      method: request.method,
    });
    if (verdict.ok) return;
    const hour = Math.floor(options.clock.now() / 3_600_000);
    const seen = refusals.get(verdict.why);
    const count = seen?.hour === hour ? seen.count + 1 : 1;
    refusals.set(verdict.why, { hour, count });
    if (count <= REFUSALS_LOGGED_PER_HOUR) {
      await options.securityLog.record(HUB_EVENTS.installerRequestRefused.code, { why: verdict.why, path: request.url.slice(0, 100), method: request.method });
      options.logger.warn({ why: verdict.why, path: request.url.slice(0, 100) }, 'installer page request refused');
    }
    return reply.code(verdict.status).send({ error: { code: 'REQUEST_REFUSED', message: verdict.why === 'nonLocalInterface' ? 'the installer page answers only on this machine' : 'this request did not come from the installer page' } });
  });

  const folder = new URL('./public/', import.meta.url);
  for (const [path, [file, type]] of Object.entries(ASSETS)) {
    const body = await readFile(new URL(file, folder));
    app.get(path, async (_request, reply) => reply.type(type).send(body));
  }
  registerRoutes(app, {
    hub: options.hub,
    pins: options.pins,
    sessions,
    https: settings.https,
    record: (event, detail) => options.eventLog.record(HUB_EVENTS[event].code, detail).then(() => undefined),
  });
  app.setErrorHandler((error: { statusCode?: number; validation?: unknown; message?: string }, _request, reply) => {
    // A body that fails its schema is the caller's mistake: say which, never how the server is built.
    if (error.validation || (error.statusCode !== undefined && error.statusCode < 500)) {
      return reply.code(error.statusCode ?? 400).send({ error: { code: 'BAD_REQUEST', message: (error.message ?? 'bad request').slice(0, 200) } });
    }
    options.logger.error({ err: error }, 'installer page request failed');
    return reply.code(500).send({ error: { code: 'INSTALLER_PAGE_FAILED', message: 'the hub could not answer; see its log' } });
  });
  app.addHook('onClose', async () => sessions.clear());
  return { app, settings };
}

export async function startInstallerPage(options: InstallerPageOptions): Promise<InstallerPage> {
  const { app, settings } = await buildInstallerPage(options);
  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new InstallerPageError('INSTALLER_PAGE_LISTEN', `cannot listen on ${settings.host}:${settings.port} (${code ?? 'error'}): set installer.page.host and port`, { where: 'installer.page' });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  // Port 0 asked for a free one: the Host and Origin checks must know which it got.
  settings.port = port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `${settings.https ? 'https' : 'http'}://${host}:${port}/`;
  options.logger.info({ url, mode: options.hub.pairing.mode }, 'installer page listening');
  return { app, url, close: () => app.close() };
}
