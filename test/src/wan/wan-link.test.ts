import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/wan/embedded-broker.js';
import { embeddedLogins } from '../../../src/wan/embedded-login.js';
import { HUB_STATE, USER_PROPERTY } from '../../../src/wan/topics.js';
import { HUB, LinkRig } from './rig.js';
import { Subscriber } from './subscriber.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

let broker: TestBroker;
const rigs: LinkRig[] = [];
const subscribers: Subscriber[] = [];

beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(() => broker.dispose());
afterEach(async () => {
  for (const s of subscribers.splice(0)) await s.close();
  for (const r of rigs.splice(0)) await r.dispose();
});

async function rig(...args: Parameters<typeof LinkRig.create>) {
  const made = await LinkRig.create(...args);
  rigs.push(made);
  return made;
}

async function subscribe(url: string, topics: string[], protocolVersion: 4 | 5 = 5) {
  const made = await Subscriber.connect(url, topics, { protocolVersion });
  subscribers.push(made);
  return made;
}

const gbcs = (n: number) => Buffer.from(`dd000000000000${n.toString(16).padStart(4, '0')}`, 'hex');

describe(`WAN link against a real broker`, () => {
  it('says online (retained), publishes alerts in order with MQTT 5 properties, and empties the outbox as the broker acknowledges', async () => {
    const hub = await rig({ broker: broker.url });
    const head = await subscribe(broker.url, [hub.link.topics.alert, hub.link.topics.state]);
    const connected = hub.next('connected');
    await hub.link.start();
    expect((await connected)[0]).toMatchObject({ protocol: broker.kind === 'mosquitto' ? '5' : '3.1.1' });

    for (let n = 0; n < 50; n++) await hub.link.publishUpstream('alert', gbcs(n), n === 0 ? { source: '00DB1234567890A2' } : {});
    const alerts = () => head.on(hub.link.topics.alert);
    await head.until(() => alerts().length >= 50);
    expect(alerts().map((r) => r.payload.toString('hex'))).toEqual(Array.from({ length: 50 }, (_, n) => gbcs(n).toString('hex')));
    expect(head.on(hub.link.topics.state).at(-1)?.payload.toString()).toBe(HUB_STATE.online);
    if (broker.kind === 'mosquitto') {
      const first = alerts()[0]!.packet.properties;
      expect(first?.contentType).toBe('application/gbcs');
      expect(first?.userProperties).toEqual({ [USER_PROPERTY.kind]: 'alert', [USER_PROPERTY.source]: '00DB1234567890A2' });
    }
    await expect.poll(() => hub.outbox.depth).toBe(0);
    expect(hub.link.topics).toMatchObject({ alert: `gbcs/${HUB}/alert`, command: `gbcs/${HUB}/command` });
  });

  it('hands a command up with its response topic and correlation data, and publishes the response where it was asked for', async () => {
    const hub = await rig({ broker: broker.url, topicPrefix: 'dcc/wan' });
    await hub.link.start();
    const head = await subscribe(broker.url, ['headend/replies/+', hub.link.topics.response]);
    const command = hub.next('command');
    const properties = broker.kind === 'mosquitto' ? { responseTopic: 'headend/replies/42', correlationData: Buffer.from('0042', 'hex') } : undefined;
    await head.publish(hub.link.topics.command, gbcs(7), { qos: 1, ...(properties ? { properties } : {}) });
    const [bytes, meta] = await command;
    expect(bytes).toEqual(gbcs(7));
    expect(meta.topic).toBe(`dcc/wan/${HUB}/command`);

    await hub.link.publishUpstream('response', gbcs(8), { ...(meta.responseTopic ? { responseTopic: meta.responseTopic } : {}), ...(meta.correlationData ? { correlationData: meta.correlationData } : {}) });
    const [reply] = await head.until((r) => r.length > 0);
    expect(reply!.payload).toEqual(gbcs(8));
    if (properties) {
      expect(meta).toMatchObject({ responseTopic: 'headend/replies/42', correlationData: Buffer.from('0042', 'hex'), protocol: '5' });
      expect(reply!.topic).toBe('headend/replies/42');
      expect(reply!.packet.properties?.correlationData).toEqual(Buffer.from('0042', 'hex'));
    } else {
      expect(reply!.topic).toBe(hub.link.topics.response);
    }
  });

  it('says offline (retained) when stopped, and publishes retained telemetry with the outbox and the HAN', async () => {
    const hub = await rig(
      { broker: broker.url, telemetrySeconds: 5 },
      { health: () => ({ han: { devices: [{ eui64: '00DB1234567890A1', type: 'ESME', lastContact: Date.UTC(2026, 0, 1) }] }, queues: { sleepy: 2 }, radio: { channel: 15 } }) },
    );
    await hub.link.start();
    await hub.link.publishUpstream('alert', gbcs(1));
    const head = await subscribe(broker.url, [hub.link.topics.telemetry]);
    const [snapshot] = await head.until((r) => r.length > 0);
    const telemetry = JSON.parse(snapshot!.payload.toString()) as Record<string, unknown>;
    expect(telemetry).toMatchObject({
      hub: HUB,
      wan: { connected: true, broker: broker.url },
      han: { devices: [{ eui64: '00DB1234567890A1', type: 'ESME', lastContact: '2026-01-01T00:00:00.000Z' }] },
      queues: { sleepy: 2 },
      radio: { channel: 15 },
      outbox: { quota: { maxMessages: 10_000 }, alarm: false },
    });
    expect(snapshot!.packet.retain).toBe(true);

    await hub.link.stop();
    const watcher = await subscribe(broker.url, [hub.link.topics.state]);
    const [state] = await watcher.until((r) => r.length > 0);
    expect(state!.payload.toString()).toBe(HUB_STATE.offline);
    expect(hub.link.state).toBe('stopped');
  });

  it('goes on after a restart with what the outbox held, in the original order', async () => {
    const hub = await rig({ broker: 'mqtt://127.0.0.1:9' }, { backoff: { initialDelayMs: 60_000 } });
    await hub.link.start();
    expect(hub.link.state).toBe('waiting');
    for (let n = 0; n < 20; n++) await hub.link.publishUpstream('alert', gbcs(n));

    hub.settings = { broker: broker.url };
    await hub.restart();
    expect(hub.outbox.depth).toBe(20);
    const head = await subscribe(broker.url, [hub.link.topics.alert]);
    await hub.link.start();
    await head.until((r) => r.length >= 20);
    expect(head.received.map((r) => r.payload.toString('hex'))).toEqual(Array.from({ length: 20 }, (_, n) => gbcs(n).toString('hex')));
  });

  it('hands up every command published while the hub was away, which its session kept, once it is back', async () => {
    const hub = await rig({ broker: broker.url });
    const connected = hub.next('connected');
    await hub.link.start();
    await connected;
    await hub.restart();
    const head = await subscribe(broker.url, [hub.link.topics.state]);
    for (let n = 0; n < 5; n++) await head.publish(hub.link.topics.command, gbcs(n));
    const commands: Buffer[] = [];
    hub.link.on('command', (bytes) => commands.push(bytes));
    const back = hub.next('connected');
    await hub.link.start();
    expect((await back)[0].sessionPresent).toBe(true);
    for (let wait = 0; commands.length < 5 && wait < 200; wait++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(commands).toEqual([0, 1, 2, 3, 4].map(gbcs));
  });

  it('falls back to MQTT 3.1.1 with a broker that refuses MQTT 5, and still carries commands and alerts', async () => {
    const logins = await embeddedLogins(await mkdtemp(join(tmpdir(), 'hub-embedded-')));
    const embedded: EmbeddedBroker = await startEmbeddedBroker({ logins });
    try {
      const hub = await rig({ broker: embedded.url, ...logins.hub });
      const connected = hub.next('connected');
      await hub.link.start();
      expect((await connected)[0].protocol).toBe('3.1.1');
      const head = await Subscriber.connect(embedded.url, [hub.link.topics.alert], { protocolVersion: 4, ...logins.tools });
      subscribers.push(head);
      await hub.link.publishUpstream('alert', gbcs(3));
      const [alert] = await head.until((r) => r.length > 0);
      expect(alert!.payload).toEqual(gbcs(3));
      const command = hub.next('command');
      await head.publish(hub.link.topics.command, gbcs(4));
      expect((await command)[0]).toEqual(gbcs(4));
      expect((await command)[1].protocol).toBe('3.1.1');
      await hub.link.stop();
    } finally {
      await embedded.close();
    }
  });
});
