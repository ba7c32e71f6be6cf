import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { backoffDelay } from '../../../hal/transport/reconnect.js';
import { classifyConnectError } from '../../../src/wan/connect-errors.js';
import { WanError } from '../../../src/wan/errors.js';
import { LinkRig } from './rig.js';
import { Subscriber } from './subscriber.js';
import { startTestBroker, type TestBroker } from './test-broker.js';
import { freeTcpPort } from '../../helpers/ports.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(...args: Parameters<typeof startTestBroker>): Promise<TestBroker> {
  const made = await startTestBroker(...args);
  cleanups.push(() => made.dispose());
  return made;
}

async function rig(...args: Parameters<typeof LinkRig.create>): Promise<LinkRig> {
  const made = await LinkRig.create(...args);
  cleanups.push(() => made.dispose());
  return made;
}

const gbcs = (n: number) => Buffer.from(`dd0000${n.toString(16).padStart(6, '0')}`, 'hex');
const BACKOFF = { initialDelayMs: 500, maxDelayMs: 4000, factor: 2, jitter: 0.2 };

describe('WAN link retries', () => {
  it('retries an unreachable broker with growing, jittered, capped delays on the Clock, keeps alerts on disk meanwhile, and sends them in order once it answers', async () => {
    const clock = new ManualClock();
    const draws = [0, 0.99, 0.5, 0.25, 0.75, 0.5];
    let draw = 0;
    const hub = await rig({ broker: `mqtt://127.0.0.1:${await freeTcpPort()}` }, { clock, backoff: BACKOFF, random: () => draws[draw++ % draws.length]! });
    const seen: Array<{ code: string; attempt: number; delay: number; message: string }> = [];
    hub.link.on('retrying', (error, attempt, delay) => seen.push({ code: error.code, attempt, delay, message: error.message }));

    await hub.link.start();
    for (let n = 0; n < 5; n++) await hub.link.publishUpstream('alert', gbcs(n));
    for (let attempt = 2; attempt <= 6; attempt++) {
      const next = hub.next('retrying');
      await clock.advance(seen.at(-1)!.delay);
      await next;
    }
    expect(seen.map((s) => s.code)).toEqual(Array(6).fill('WAN_UNREACHABLE'));
    expect(seen[0]!.message).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+: cannot reach the broker \(ECONNREFUSED/);
    expect(seen.map((s) => s.delay)).toEqual(seen.map((s, i) => backoffDelay(s.attempt, BACKOFF, draws[i]!)));
    expect(seen.map((s) => s.delay)).toEqual([400, 1196, 2000, 3600, 4000, 4000]);
    expect(hub.outbox.depth).toBe(5);
    expect(hub.link.state).toBe('waiting');

    // The broker comes up on that address: the next attempt connects and the queue drains in order.
    const url = new URL(hub.settings.broker);
    const real = await broker();
    const head = await Subscriber.connect(real.url, [hub.link.topics.alert]);
    cleanups.push(() => head.close());
    hub.settings = { broker: real.url };
    await hub.restart();
    expect(url.port).not.toBe(String(real.port));
    await hub.link.start();
    await head.until((r) => r.length >= 5);
    expect(head.received.map((r) => r.payload)).toEqual([0, 1, 2, 3, 4].map(gbcs));
    expect((await hub.link.telemetry()).wan).toMatchObject({ connected: true, reconnects: 0 });
  });

  it('comes back after the broker restarts, with what was raised meanwhile, in order and nothing missing', async () => {
    const real = await broker();
    const hub = await rig({ broker: real.url }, { backoff: { initialDelayMs: 100, maxDelayMs: 400 } });
    const head = await Subscriber.connect(real.url, [hub.link.topics.alert], { clean: false, clientId: 'head-end-restart', properties: { sessionExpiryInterval: 600 } });
    cleanups.push(() => head.close());
    await hub.link.start();
    for (let n = 0; n < 10; n++) await hub.link.publishUpstream('alert', gbcs(n));
    await head.until((r) => r.length >= 10);

    const lost = hub.next('retrying');
    await real.stop();
    const [error] = await lost;
    expect(error.code).toMatch(/^WAN_(DISCONNECTED|UNREACHABLE)$/);
    for (let n = 10; n < 30; n++) await hub.link.publishUpstream('alert', gbcs(n));
    expect(hub.outbox.depth).toBeGreaterThanOrEqual(20);
    const back = hub.next('connected');
    await real.start();
    await back;
    await head.until((r) => new Set(r.map((m) => m.payload.toString('hex'))).size >= 30, 20_000);
    const firsts = [...new Set(head.received.map((m) => m.payload.toString('hex')))];
    expect(firsts).toEqual(Array.from({ length: 30 }, (_, n) => gbcs(n).toString('hex')));
    await expect.poll(() => hub.outbox.depth).toBe(0);
  });

  it('says the login was refused, and connects with the right one', async () => {
    const real = await broker({ login: { username: 'hub', password: 'right' } });
    const refused = await rig({ broker: real.url, username: 'hub', password: 'wrong' }, { clock: new ManualClock() });
    const retrying = refused.next('retrying');
    await refused.link.start();
    const [error] = await retrying;
    expect(error).toBeInstanceOf(WanError);
    expect(error.code).toBe('WAN_LOGIN_REFUSED');
    expect(error.message).toMatch(/the broker refused the login .*check wan\.username and wan\.password/);
    expect(error.message).not.toContain('wrong');

    const accepted = await rig({ broker: real.url, username: 'hub', password: 'right' });
    const connected = accepted.next('connected');
    await accepted.link.start();
    await connected;
    expect(accepted.link.state).toBe('connected');
  });

  it('names a certificate file it cannot read, and retries (the file may be provisioned later)', async () => {
    const hub = await rig({ broker: 'mqtts://127.0.0.1:8883', ca: '/nonexistent/ca.pem' }, { clock: new ManualClock() });
    const retrying = hub.next('retrying');
    await hub.link.start();
    const [error] = await retrying;
    expect(error.code).toBe('WAN_TLS_FILE');
    expect(error.message).toBe('/nonexistent/ca.pem: wan.ca: file not found');
  });

  it('ends an attempt still waiting for its CONNACK when stopped, rather than holding on for the connect timeout', async () => {
    const silent = createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanups.push(() => new Promise((resolve) => silent.close(resolve)));
    const hub = await rig({ broker: `mqtt://127.0.0.1:${(silent.address() as AddressInfo).port}` }, { clock: new ManualClock() });
    const started = hub.link.start();
    await new Promise((resolve) => silent.once('connection', resolve));
    expect(hub.link.state).toBe('connecting');
    await hub.link.stop();
    const outcome = await Promise.race([started.then(() => 'settled'), new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5000))]);
    expect(outcome).toBe('settled');
    expect(hub.link.state).toBe('stopped');
  });

  it('refuses a broker URL that is not MQTT before anything starts', async () => {
    await expect(rig({ broker: 'http://127.0.0.1:1883' })).rejects.toMatchObject({ code: 'WAN_BAD_URL' });
  });
});

describe('connection errors', () => {
  const broker = 'mqtts://broker:8883';
  const withCode = (code: string | number, message = 'x') => Object.assign(new Error(message), { code });
  it.each([
    [withCode('SELF_SIGNED_CERT_IN_CHAIN', 'self-signed certificate in certificate chain'), 'WAN_TLS_BROKER_CERT', /broker's certificate is not trusted \(self-signed/],
    [withCode('ERR_TLS_CERT_ALTNAME_INVALID'), 'WAN_TLS_BROKER_CERT', /wan\.ca/],
    [withCode('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../rec_layer_s3.c:1601'), 'WAN_TLS_CLIENT_CERT', /refused the hub's client certificate \(tlsv1 alert unknown ca\)/],
    [withCode('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), 'WAN_TLS_CLIENT_CERT', /wan\.cert and wan\.key/],
    [withCode('ERR_OSSL_X509_KEY_VALUES_MISMATCH', 'key values mismatch'), 'WAN_TLS_CLIENT_CERT', /wan\.key is the key of wan\.cert/],
    [withCode('ERR_SSL_WRONG_VERSION_NUMBER'), 'WAN_TLS', /TLS failed/],
    [withCode(5, 'Connection refused: Not authorized'), 'WAN_LOGIN_REFUSED', /not authorised/],
    [withCode(0x86), 'WAN_LOGIN_REFUSED', /bad user name or password/],
    [withCode(0x97, 'Quota exceeded'), 'WAN_CONNECT_REFUSED', /CONNACK code 151/],
    [withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND broker'), 'WAN_UNREACHABLE', /cannot reach the broker \(ENOTFOUND/],
    [new Error('something else'), 'WAN_UNREACHABLE', /cannot connect to the broker \(something else\)/],
  ])('%s → %s', (error, code, message) => {
    const classified = classifyConnectError(error, broker);
    expect(classified.code).toBe(code);
    expect(classified.where).toBe(broker);
    expect(classified.message).toMatch(message);
  });
});
