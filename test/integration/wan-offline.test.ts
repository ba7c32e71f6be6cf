import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../hal/log.js';
import { DEFAULT_CONFIG, type HubConfig } from '../../src/config.js';
import { startHub } from '../../src/compose.js';
import { startSimProcess } from '../../src/sim-process.js';
import { readEndpoint } from '../../src/wan/endpoint-file.js';
import { HUB_STATE } from '../../src/wan/topics.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { startTestBroker } from '../src/wan/test-broker.js';
import { freeTcpPort } from '../helpers/ports.js';

/**
 * The composition root with its broker down: the hub starts, forms its network and admits the
 * simulated HAN's Devices all the same; upstream messages wait in the outbox; when the broker
 * comes up on the configured address the hub connects and sends them, in order.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('hub with no WAN', () => {
  it('keeps the HAN working while the broker is down, queues upstream messages, and sends them once the broker is up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-wan-offline-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const port = await freeTcpPort();
    const sim = await startSimProcess({ args: ['--log-level', 'error'] });
    cleanups.push(() => sim.stop());
    const config: HubConfig = {
      ...structuredClone(DEFAULT_CONFIG),
      store: { path: join(dir, 'state') },
      wan: { ...DEFAULT_CONFIG.wan, broker: `mqtt://127.0.0.1:${port}` },
    };
    const hub = await startHub({ config, logger: silentLogger, radioAddress: sim.radio });
    cleanups.push(() => hub.stop());
    const wan = hub.wan!;
    expect(wan.link.state).toBe('waiting');
    expect((await wan.link.telemetry()).wan.lastError?.code).toBe('WAN_UNREACHABLE');

    // The HAN works offline: the ESME is commissioned and joins.
    const esme = (await sim.devices()).find((d) => d.type === 'ESME')!;
    await hub.deviceLog.add({ eui64: esme.eui64, deviceType: 'ESME', installCode: esme.installCode });
    await hub.joinWindows.open(esme.eui64, 60);
    const reply = await sim.request<{ outcome: { joined: boolean } }>('join', { eui64: esme.eui64 });
    expect(reply.outcome.joined).toBe(true);
    await hub.admission.settled();
    await expect.poll(() => hub.deviceLog.get(esme.eui64)?.tcLinkKey !== undefined, { timeout: 10_000 }).toBe(true);

    const telemetry = await wan.link.telemetry();
    expect(telemetry.han.devices).toContainEqual(expect.objectContaining({ eui64: esme.eui64, type: 'ESME' }));
    expect(telemetry.radio).toMatchObject({ channel: hub.network.channel, ashConnected: true });
    expect(telemetry.radio['dataSent']).toBeGreaterThan(0);

    // Upstream messages wait on disk.
    for (let n = 1; n <= 3; n++) await wan.link.publishUpstream('alert', Buffer.from([0xdd, n]));
    expect(wan.outbox.depth).toBe(3);
    expect(await readEndpoint(config.store.path)).toMatchObject({ broker: config.wan.broker, hub: hub.network.localEui64, embedded: false });

    const broker = await startTestBroker({ port });
    cleanups.push(() => broker.dispose());
    const head = await Subscriber.connect(broker.url, [wan.link.topics.alert, wan.link.topics.state]);
    cleanups.push(() => head.close());
    await head.until((r) => r.filter((m) => m.topic === wan.link.topics.alert).length >= 3, 20_000);
    expect(head.on(wan.link.topics.alert).map((m) => [...m.payload])).toEqual([
      [0xdd, 1],
      [0xdd, 2],
      [0xdd, 3],
    ]);
    expect(head.on(wan.link.topics.state).at(-1)?.payload.toString()).toBe(HUB_STATE.online);
    await expect.poll(() => wan.outbox.depth).toBe(0);
  }, 45_000);
});
