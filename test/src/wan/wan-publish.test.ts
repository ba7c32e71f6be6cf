import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { LinkRig } from './rig.js';
import { Subscriber } from './subscriber.js';
import { mosquittoMissing, startTestBroker } from './test-broker.js';
import { itNeeds } from '../../helpers/prerequisites.js';
import { freeTcpPort } from '../../helpers/ports.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const gbcs = (n: number) => Buffer.from([0xdd, 0x00, n]);

describe('upstream publishing', () => {
  it('drops a response whose expiry passed while the hub was offline (counted, not silent) and sends the rest with the expiry that is left', async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.dispose());
    const clock = new ManualClock();
    const hub = await LinkRig.create({ broker: `mqtt://127.0.0.1:${await freeTcpPort()}` }, { clock, backoff: { initialDelayMs: 3_600_000 } });
    cleanups.push(() => hub.dispose());
    await hub.link.start();
    await hub.link.publishUpstream('response', gbcs(1), { expirySeconds: 5 });
    await hub.link.publishUpstream('response', gbcs(2), { expirySeconds: 60 });
    await hub.link.publishUpstream('alert', gbcs(3));
    await clock.advance(20_000);

    hub.settings = { broker: broker.url };
    await hub.restart();
    const head = await Subscriber.connect(broker.url, [hub.link.topics.response, hub.link.topics.alert]);
    cleanups.push(() => head.close());
    await hub.link.start();
    await head.until((r) => r.length >= 2);
    expect(head.received.map((r) => r.payload)).toEqual([gbcs(2), gbcs(3)]);
    if (broker.kind === 'mosquitto') expect(head.received[0]!.packet.properties?.messageExpiryInterval).toBeLessThanOrEqual(40);
    // The head end can see a message before the hub has handled its PUBACK and deleted it.
    await vi.waitFor(() => expect(hub.outbox.stats()).toMatchObject({ depth: 0, expired: 1 }), { timeout: 10_000 });
  });

  itNeeds(mosquittoMissing())('keeps a message the broker refuses (MQTT 5 PUBACK reason) in the outbox and says so, retrying', async () => {
    const broker = await startTestBroker({ acl: ['topic read #', 'topic write gbcs/+/state', 'topic write gbcs/+/telemetry'] });
    cleanups.push(() => broker.dispose());
    const hub = await LinkRig.create({ broker: broker.url }, { clock: new ManualClock() });
    cleanups.push(() => hub.dispose());
    await hub.link.start();
    expect(hub.link.state).toBe('connected');
    const refused = hub.next('retrying');
    await hub.link.publishUpstream('alert', gbcs(9));
    const [error] = await refused;
    expect(error.code).toBe('WAN_PUBLISH_REFUSED');
    expect(error.message).toMatch(/the broker refused an upstream alert \(PUBACK reason 135.*it stays in the outbox/);
    expect(hub.outbox.depth).toBe(1);
    expect(hub.link.state).toBe('waiting');
  });
});
