import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../../hal/clock.js';
import { registry } from '../../../src/control/dispatch.js';
import { withLocalContext } from '../../../src/control/local-context.js';
import { controlTopics, startMqttControl } from '../../../src/control/mqtt.js';
import { CONTROL_OPERATIONS } from '../../../src/control/operations/index.js';
import { ControlError } from '../../../src/control/protocol.js';
import { openSignedRequest, SeenRequests, signRequest, type SignedRequest } from '../../../src/control/signed-request.js';
import { HUB_EVENTS } from '../../../src/logs/event-codes.js';
import { startEmbeddedBroker } from '../../../src/wan/embedded-broker.js';
import { embeddedLogins } from '../../../src/wan/embedded-login.js';
import { connectTool } from '../../../src/wan/tool-client.js';

const CHF = '00DB123456789000';
const PREFIX = 'gbcs-issue-14';
const headEnd = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real broker, a real store, the hub's MQTT control on them, and a head end's client. */
async function lab() {
  const storePath = join(await mkdtemp(join(tmpdir(), 'hub-control-mqtt-')), 'state');
  const logins = await embeddedLogins(storePath);
  const broker = await startEmbeddedBroker({ logins, topicPrefix: PREFIX });
  cleanups.push(() => broker.close());
  let release!: () => void;
  const securityLog = await new Promise<{ newest: () => Promise<Array<{ code: number; detail: Record<string, unknown> }>> }>((resolve, reject) => {
    void withLocalContext({ storePath, sealed: true, creating: true }, async (context) => {
      const control = await startMqttControl({
        settings: { broker: broker.url, topicPrefix: PREFIX, ...logins.hub }, chf: CHF, headEndKey: headEnd.publicKey, context: { ...context, live: true },
        operations: registry(CONTROL_OPERATIONS), clock: new SystemClock(), logger: pino({ level: 'silent' }),
      });
      const logs = await context.logs();
      resolve({ newest: () => logs.securityLog.newest() });
      await new Promise<void>((done) => (release = done));
      await control.close();
    }).catch(reject);
  });
  cleanups.push(async () => release());
  const tool = await connectTool({ broker: broker.url, topicPrefix: PREFIX, ...logins.tools });
  cleanups.push(() => tool.close());
  const topics = controlTopics(PREFIX, CHF);
  const replies: Array<Record<string, unknown>> = [];
  tool.client.on('message', (_topic, payload) => replies.push(JSON.parse(payload.toString()) as Record<string, unknown>));
  await tool.client.subscribeAsync(topics.response, { qos: 1 });
  const send = async (payload: Buffer | string) => {
    const before = replies.length;
    await tool.client.publishAsync(topics.request, payload, { qos: 1 });
    await expect.poll(() => replies.length, { timeout: 10_000 }).toBeGreaterThan(before);
    return replies[before]!;
  };
  return { send, securityLog };
}

const request = (id: number, op: string, args: Record<string, unknown> = {}, at = Date.now()): SignedRequest => ({ v: 1, id, op, args, at });

describe('control over MQTT', () => {
  it("carries out a request the head end signed, and answers on the response topic", async () => {
    const { send } = await lab();
    const added = await send(signRequest(request(1, 'devices.add', { eui64: '00DB1234567890B0', deviceType: 'GPF' }), headEnd.privateKey));
    expect(added).toMatchObject({ v: 1, id: 1, ok: true, result: { added: true } });
    expect(await send(signRequest(request(2, 'devices.list'), headEnd.privateKey))).toMatchObject({ id: 2, ok: true, result: { devices: [{ eui64: '00DB1234567890B0' }] } });
  });

  it('refuses a stranger, a copy played again, a stale request and a local-only operation, recording the attacks', async () => {
    const { send, securityLog } = await lab();
    expect(await send(signRequest(request(1, 'devices.list'), stranger.privateKey))).toMatchObject({ id: 1, ok: false, error: { code: 'CONTROL_UNAUTHENTICATED' } });
    expect(await send(JSON.stringify({ request: JSON.stringify(request(2, 'devices.list')) }))).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    const once = signRequest(request(3, 'devices.list'), headEnd.privateKey);
    expect(await send(once)).toMatchObject({ id: 3, ok: true });
    expect(await send(once)).toMatchObject({ id: 3, ok: false, error: { code: 'CONTROL_REPLAYED' } });
    expect(await send(signRequest(request(4, 'devices.list', {}, Date.now() - 3_600_000), headEnd.privateKey))).toMatchObject({ ok: false, error: { code: 'CONTROL_STALE' } });
    expect(await send(signRequest(request(5, 'pin.set', { kind: 'engineering', pin: '482910' }), headEnd.privateKey))).toMatchObject({ id: 5, ok: false, error: { code: 'NOT_OVER_WAN' } });
    expect(await send(signRequest(request(6, 'subscribe'), headEnd.privateKey))).toMatchObject({ id: 6, ok: false, error: { code: 'NOT_OVER_WAN' } });
    await expect.poll(async () => (await securityLog.newest()).filter((e) => e.code === HUB_EVENTS.failedAuthentication.code).map((e) => e.detail.why)).toEqual(
      expect.arrayContaining(['CONTROL_UNAUTHENTICATED', 'BAD_REQUEST', 'CONTROL_REPLAYED', 'CONTROL_STALE']),
    );
  });

  it('reads any payload as a signed request or a ControlError, never anything else', () => {
    const seen = new SeenRequests();
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)), fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)))), (payload) => {
        try {
          openSignedRequest(payload, headEnd.publicKey, Date.now(), seen);
        } catch (error) {
          if (!(error instanceof ControlError)) throw error;
        }
      }),
    );
  });
});
