import { SystemClock } from '../../hal/clock.js';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withInstallCodeCrc } from '../../hal/install-code.js';
import { silentLogger } from '../../hal/log.js';
import { parseScenario } from '../../hal/sim/scenario.js';
import { Simulator } from '../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../hal/transport/memory.js';
import { DEFAULT_CONFIG, type HubConfig } from '../../src/config.js';
import { startHub } from '../../src/compose.js';
import { HUB_EVENTS } from '../../src/logs/event-codes.js';
import { Subscriber } from '../src/wan/subscriber.js';

/**
 * A Device joins but the NCP never gives its new TC link key: the whole hub (startHub over ASH to
 * the simulated NCP, the mosquitto at 127.0.0.1:1883 under topics of its own) puts it in the Event
 * Log and in its telemetry, and the Device Log shows the Device with no key rather than hiding it.
 */
const CHF = '00DB1234567890A2';
const ESME = '00DB1234567890A0';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('a TC link key the NCP never gives', () => {
  it('is in the Event Log and the telemetry after the radio has tried again, and the Device Log entry has no key', async () => {
    const installCode = withInstallCodeCrc(randomBytes(16)).toString('hex').toUpperCase();
    const sim = new Simulator({ scenario: parseScenario(`network:\n  eui64: ${CHF}\ndevices:\n  - name: esme\n    eui64: ${ESME}\n    type: ESME\n    installCode: ${installCode}\n`, 'link-key scenario'), clock: new SystemClock() });
    cleanups.push(() => sim.close());
    // The NCP's key table has no entry for the ESME once it has joined (its export answers NOT_FOUND).
    const nvm = sim.ncp.nvm;
    const realKey = nvm.key.bind(nvm);
    nvm.key = (eui64) => (eui64 === ESME && sim.device(ESME).joined ? undefined : realKey(eui64));
    const [hostSide, ncpSide] = memoryTransportPair('link-key');
    sim.serve(ncpSide);

    const dir = await mkdtemp(join(tmpdir(), 'hub-link-key-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const unique = randomBytes(4).toString('hex');
    const prefix = `link-key/${unique}`;
    const config: HubConfig = {
      ...structuredClone(DEFAULT_CONFIG),
      store: { path: join(dir, 'state') },
      wan: { ...DEFAULT_CONFIG.wan, broker: 'mqtt://127.0.0.1:1883', topicPrefix: prefix, clientId: `hub-${unique}` },
    };
    const hub = await startHub({ config, logger: silentLogger, transport: hostSide });
    cleanups.push(() => hub.stop());
    const telemetryTopic = `${prefix}/${CHF}/telemetry`;
    const headEnd = await Subscriber.connect('mqtt://127.0.0.1:1883', [telemetryTopic], { clientId: `head-${unique}` });
    cleanups.push(() => headEnd.close());

    await hub.deviceLog.add({ eui64: ESME, deviceType: 'ESME', installCode });
    await hub.joinWindows.open(ESME, 60);
    const reported = once(hub.admission, 'linkKeyUnreadable');
    expect(sim.join(ESME).joined).toBe(true);
    await reported;

    await expect.poll(async () => (await hub.logs.eventLog.newest()).map((entry) => entry.code)).toContain(HUB_EVENTS.linkKeyUnreadable.code);
    const [entry] = (await hub.logs.eventLog.newest()).filter((e) => e.code === HUB_EVENTS.linkKeyUnreadable.code);
    expect(entry!.detail).toMatchObject({ eui64: ESME, attempts: 4 });
    expect(hub.deviceLog.get(ESME)).toMatchObject({ eui64: ESME });
    expect(hub.deviceLog.get(ESME)?.tcLinkKey).toBeUndefined();

    const shows = (payload: Buffer) => {
      const telemetry = JSON.parse(payload.toString('utf8')) as { han: { devices: Array<{ eui64: string; linkKeyUnreadable?: boolean }> } };
      return telemetry.han.devices.some((d) => d.eui64 === ESME && d.linkKeyUnreadable === true);
    };
    await headEnd.until((received) => received.some((r) => r.topic === telemetryTopic && shows(r.payload)), 15_000);
  }, 60_000);
});
