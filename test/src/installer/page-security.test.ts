import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock, ManualClock } from '../../../hal/clock.js';
import { silentLogger } from '../../../hal/log.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { DEFAULT_CONFIG, parseConfig, type InstallerConfig } from '../../../src/config.js';
import { startHub, type Hub } from '../../../src/compose.js';
import { buildInstallerPage, startInstallerPage } from '../../../src/installer/page/server.js';
import { SESSION_COOKIE } from '../../../src/installer/page/sessions.js';
import { HUB_EVENTS } from '../../../src/logs/event-codes.js';
import { makeTlsFiles } from '../wan/tls-fixture.js';

/**
 * The installer page refuses what is not its own installer: no session, a foreign Origin or Host,
 * another machine (unless configured), an ended session; every answer is kept out of caches; HTTPS
 * once a certificate is configured. Fastify's `inject` drives the real server in-process, over the
 * whole hub (the simulated NCP over ASH, LevelDB on disk).
 */
const PIN = '582947';
const HOST = '127.0.0.1:8080';
const ORIGIN = `http://${HOST}`;
let hub: Hub;
let sim: Simulator;
let dir: string;

const page = (settings: Partial<InstallerConfig['page']> = {}, clock = new ManualClock(Date.now())) =>
  buildInstallerPage({
    hub: { ...hub, simulatedRadio: true },
    config: { ...DEFAULT_CONFIG.installer.page, enabled: true, ...settings },
    pins: hub.gpf.pins,
    eventLog: hub.logs.eventLog,
    securityLog: hub.logs.securityLog,
    clock,
    logger: silentLogger,
  });

beforeAll(async () => {
  sim = new Simulator({ scenario: await loadScenario(undefined), clock: new SystemClock() });
  const [hostSide, ncpSide] = memoryTransportPair('page-security');
  sim.serve(ncpSide);
  dir = await mkdtemp(join(tmpdir(), 'hub-page-security-'));
  hub = await startHub({ config: { ...structuredClone(DEFAULT_CONFIG), store: { path: join(dir, 'state') }, installer: { ...DEFAULT_CONFIG.installer, mode: 'local-add' } }, logger: silentLogger, transport: hostSide });
  await hub.gpf.pins.set('engineering', PIN, { by: 'installation' }, 'test');
}, 60_000);

afterAll(async () => {
  await hub?.stop();
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function signIn(app: Awaited<ReturnType<typeof page>>['app']): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/login', headers: { host: HOST, origin: ORIGIN }, payload: { pin: PIN } });
  expect(response.statusCode).toBe(200);
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE)!;
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  return `${SESSION_COOKIE}=${cookie.value}`;
}

describe('the installer page refuses', () => {
  it('every request without a valid session, and keeps every answer out of caches', async () => {
    const { app } = await page();
    for (const [method, url] of [['GET', '/api/state'], ['GET', '/api/events'], ['POST', '/api/labels/check'], ['POST', '/api/pair'], ['POST', '/api/remove']] as const) {
      const payload = method === 'POST' ? (url === '/api/remove' ? { eui64: '00DB1234567890A4' } : { label: 'Z:00DB1234567890A4$I:0102030405060708090A0B0C0D0E0F1090FD' }) : undefined;
      for (const cookie of [undefined, `${SESSION_COOKIE}=forged-session-id`]) {
        const response = await app.inject({ method, url, headers: { host: HOST, origin: ORIGIN, ...(cookie ? { cookie } : {}) }, ...(payload ? { payload } : {}) });
        expect([url, response.statusCode]).toEqual([url, 401]);
        expect(response.headers['cache-control']).toBe('no-store');
      }
    }
    // Nothing reached the Device Log (this hub was not given the scenario's Devices).
    expect(hub.deviceLog.has('00DB1234567890A4')).toBe(false);
    for (const url of ['/', '/app.js', '/app.css']) {
      const response = await app.inject({ url, headers: { host: HOST } });
      expect(response.statusCode).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    }
    // The page itself names nothing outside the hub.
    expect((await app.inject({ url: '/', headers: { host: HOST } })).body).not.toMatch(/https?:\/\//);
    await app.close();
  });

  it('a foreign Origin, a missing Origin on a change, and another Host name, each in the Security Log', async () => {
    const { app } = await page();
    const before = (await hub.logs.securityLog.newest()).filter((e) => e.code === HUB_EVENTS.installerRequestRefused.code).length;
    const foreign = await app.inject({ method: 'POST', url: '/api/login', headers: { host: HOST, origin: 'http://evil.example' }, payload: { pin: PIN } });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.cookies).toEqual([]);
    const crossSite = await app.inject({ method: 'GET', url: '/api/state', headers: { host: HOST, 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.statusCode).toBe(403);
    const noOrigin = await app.inject({ method: 'POST', url: '/api/login', headers: { host: HOST }, payload: { pin: PIN } });
    expect(noOrigin.statusCode).toBe(403);
    const rebound = await app.inject({ method: 'GET', url: '/', headers: { host: 'hub.attacker.example:8080' } });
    expect(rebound.statusCode).toBe(421);
    const refused = (await hub.logs.securityLog.newest()).filter((e) => e.code === HUB_EVENTS.installerRequestRefused.code);
    expect(refused.length - before).toBe(4);
    expect(refused.map((e) => e.detail['why'])).toEqual(expect.arrayContaining(['foreignOrigin', 'foreignHost']));
    await app.close();
  });

  it('a request from another machine unless the page was configured for the network; a config naming a network address without saying so', async () => {
    const local = (await page()).app;
    const remote = await local.inject({ method: 'GET', url: '/api/state', remoteAddress: '192.0.2.7', headers: { host: HOST } });
    expect(remote.statusCode).toBe(403);
    expect(remote.json()).toMatchObject({ error: { code: 'REQUEST_REFUSED' } });
    await local.close();
    const network = (await page({ host: '192.0.2.1', allowNetwork: true })).app;
    const allowed = await network.inject({ method: 'GET', url: '/api/state', remoteAddress: '192.0.2.7', headers: { host: '192.0.2.1:8080' } });
    expect(allowed.statusCode).toBe(401); // past the interface check, stopped by the session check
    await network.close();

    expect(() => parseConfig('installer:\n  page:\n    enabled: true\n    host: 192.0.2.1\n', 'hub.yaml')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', where: 'hub.yaml' }));
    expect(parseConfig('installer:\n  page:\n    host: 192.0.2.1\n    allowNetwork: true\n', 'hub.yaml').installer.page.host).toBe('192.0.2.1');
    expect(() => parseConfig('installer:\n  page:\n    host: 0.0.0.0\n    allowNetwork: true\n', 'hub.yaml')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(parseConfig('', 'hub.yaml').installer).toMatchObject({ mode: 'watch', page: { enabled: false, host: '127.0.0.1' } });
  });

  it('a session once it has ended, and records sign-in and its end in the Event Log', async () => {
    const clock = new ManualClock(Date.now());
    const { app } = await page({ sessionMinutes: 15 }, clock);
    const cookie = await signIn(app);
    const live = await app.inject({ url: '/api/state', headers: { host: HOST, cookie } });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toMatchObject({ mode: 'local-add', deviceLog: { capacity: 16 } });
    clock.advance(15 * 60_000 + 1);
    const ended = await app.inject({ url: '/api/state', headers: { host: HOST, cookie } });
    expect(ended.statusCode).toBe(401);
    expect(ended.json()).toMatchObject({ error: { code: 'SESSION_EXPIRED' } });
    expect((await app.inject({ url: '/api/state', headers: { host: HOST, cookie } })).statusCode).toBe(401);
    const codes = async () => (await hub.logs.eventLog.newest(10)).map((e) => e.code);
    expect(await codes()).toContain(HUB_EVENTS.installerSignedIn.code);
    await expect.poll(codes).toContain(HUB_EVENTS.installerSignedOut.code);
    await app.close();
  });

  it('answers over HTTPS with a Secure cookie when a certificate is configured', async () => {
    const tls = await makeTlsFiles();
    const served = await startInstallerPage({
      hub: { ...hub, simulatedRadio: true },
      config: { ...DEFAULT_CONFIG.installer.page, enabled: true, port: 0, cert: tls.serverCert, key: tls.serverKey },
      pins: hub.gpf.pins, eventLog: hub.logs.eventLog, securityLog: hub.logs.securityLog, clock: hub.clock, logger: silentLogger,
    });
    try {
      expect(served.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
      const url = new URL(served.url);
      const ca = await readFile(tls.ca);
      const answer = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
        const body = JSON.stringify({ pin: PIN });
        const req = request({ host: url.hostname, port: url.port, path: '/api/login', method: 'POST', ca, headers: { 'content-type': 'application/json', origin: url.origin, 'content-length': Buffer.byteLength(body) } }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie'] ?? '') });
        });
        req.on('error', reject);
        req.end(body);
      });
      expect(answer.status).toBe(200);
      expect(answer.cookie).toMatch(/HttpOnly/);
      expect(answer.cookie).toMatch(/Secure/);
      expect(answer.cookie).toMatch(/SameSite=Strict/);
    } finally {
      await served.close();
      await rm(tls.dir, { recursive: true, force: true });
    }
  });
});
