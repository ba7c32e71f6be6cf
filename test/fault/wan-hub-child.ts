import { createInterface } from 'node:readline';
import { ManualClock, SystemClock } from '../../hal/clock.js';
import { silentLogger } from '../../hal/log.js';
import { DeviceLog } from '../../src/chf/device-log.js';
import { LinkStatisticsTable } from '../../src/chf/use-cases/index.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import { openGbcsHub } from '../../src/hub/gbcs-hub.js';
import { applySeed } from '../../src/hub/seed.js';
import { openHubLogs } from '../../src/logs/hub-logs.js';
import type { SecureElement } from '../../src/security/secure-element.js';
import { openStore } from '../../src/store/index.js';
import { startHubWan } from '../../src/hub/hub-wan.js';
import { CHF_STATES } from '../conformance/chf-seeds.js';
import { RTDS_IDENTITY, rtdsKeystore, trustedCredentials } from '../conformance/harness.js';

/**
 * The hub under test for test/fault/wan-kill.test.ts: the GBCS hub on a real LevelDB (keyed with
 * the RTDS keystore) behind the real WAN link to a broker. It loads its code and keystore, says
 * `loaded`, and waits for one line on stdin, `{ "store": dir, "broker": url, "seed": bool }`, before
 * it opens the store, so the test can have the next hub loaded while the one before runs.
 * It prints `{ "executed": counter }` for each command it answers, as soon as the router has run it
 * (stdout to a pipe is synchronous on Linux), and `{ "event": "ready" }` once it is connected.
 */
function say(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const keystore = await rtdsKeystore();
const credentials = await trustedCredentials();
say({ event: 'loaded' });
const lines = createInterface({ input: process.stdin });
const orders = await new Promise<{ store: string; broker: string; seed: boolean }>((resolve) => lines.once('line', (line) => resolve(JSON.parse(line))));
lines.on('close', () => process.exit(0));

// The RTDS secure element makes a new data key per process; every hub on this store must seal with the same one.
const secureElement: SecureElement = Object.create(keystore.secureElement, { dataKey: { value: async () => Buffer.alloc(32, 0x11) } });

try {
  const store = await openStore({ path: orders.store, secureElement });
  const clock = new ManualClock(Date.UTC(2015, 0, 1));
  const deviceLog = await DeviceLog.open(store, { clock });
  const logs = await openHubLogs(store, clock);
  const linkStatistics = new LinkStatisticsTable();
  const hub = await openGbcsHub({ store, secureElement, clock, identity: RTDS_IDENTITY, linkStatistics, deviceLog, logs, extendedPanId: () => Buffer.alloc(8) });
  if (orders.seed) {
    for (const { credential, own } of credentials) await hub.credentials.install(credential, { own });
    await applySeed({ hub, linkStatistics, setTime: (ms) => clock.set(ms) }, CHF_STATES['CCS06_SUCCESS']!.seed);
  }
  hub.start();
  const config = { ...structuredClone(DEFAULT_CONFIG), store: { path: orders.store } };
  const wan = await startHubWan({ config, store, clock: new SystemClock(), logger: silentLogger, hub: RTDS_IDENTITY.chf, security: logs.securityLog, broker: orders.broker, embedded: false });
  const router = hub.router;
  wan!.attach({
    process: async (bytes) => {
      const outcome = await router.process(bytes);
      if (outcome.kind === 'answered') say({ executed: decodeMessage(outcome.response).header.originatorCounter.toString() });
      return outcome;
    },
    on: (event, listener) => router.on(event, listener),
    off: (event, listener) => router.off(event, listener),
  });
  say({ event: 'ready' });
} catch (error) {
  say({ event: 'failed', message: String(error) });
  process.exit(1);
}
