import { afterEach, expect, it } from 'vitest';
import type { Logger } from '../../hal/log.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { HUB_EVENTS } from '../../src/logs/event-codes.js';
import { startHubWan } from '../../src/hub/hub-wan.js';
import { CHF_STATES } from '../conformance/chf-seeds.js';
import { ConformanceHub, RTDS_IDENTITY } from '../conformance/harness.js';
import { describeRtds } from '../helpers/rtds.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { startTestBroker } from '../src/wan/test-broker.js';

/**
 * Junk on the command topic through a real broker: an empty message is refused into the Security
 * Log like any other malformed one, and a flood of them costs a bounded number of warning lines.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function capturingLogger(lines: Array<{ level: string; message: string }>): Logger {
  const at = (level: string) => (fields: unknown, message?: string) => lines.push({ level, message: typeof fields === 'string' ? fields : (message ?? '') });
  const logger: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), trace: at('trace'), child: () => logger };
  return logger;
}

describeRtds('junk on the command topic', () => {
  it('puts an empty command in the Security Log, and logs a flood of refusals in a bounded number of warnings', async () => {
    const lines: Array<{ level: string; message: string }> = [];
    const logger = capturingLogger(lines);
    const broker = await startTestBroker();
    cleanups.push(() => broker.dispose());
    const harness = await ConformanceHub.open({ seed: CHF_STATES['CCS06_SUCCESS']!.seed, extras: async () => ({ logger }) });
    cleanups.push(() => harness.close());
    const config = { ...structuredClone(DEFAULT_CONFIG), store: { path: harness.dir } };
    const wan = (await startHubWan({ config, store: harness.store, clock: harness.clock, logger, hub: RTDS_IDENTITY.chf, security: harness.hub.chf.securityLog, broker: broker.url, embedded: false }))!;
    cleanups.push(() => wan.stop());
    wan.attach(harness.hub.router);
    const head = await Subscriber.connect(broker.url, ['headend/refusals']);
    cleanups.push(() => head.close());

    await head.publish(wan.link.topics.command, Buffer.alloc(0), { qos: 1 });
    for (let wait = 0; (await harness.securityLogCodes()).length === 0 && wait < 200; wait++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(await harness.securityLogCodes()).toEqual([HUB_EVENTS.commandIntegrityFailed.code]);
    const junk = Array.from({ length: 200 }, (_, i) => head.publish(wan.link.topics.command, Buffer.from([0xdd, i & 0xff, 0x01]), { qos: 1 }));
    await Promise.all(junk);
    // 201 refusals: each logged once, 20 as warnings, one warning saying the rest of the minute goes to debug.
    const refused = () => lines.filter((line) => line.message.startsWith('message refused')).length;
    for (let wait = 0; refused() < 200 && wait < 200; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(refused()).toBe(200);
    expect(lines.filter((line) => line.message.startsWith('more than 20 messages refused'))).toHaveLength(1);
    expect(lines.filter((line) => line.level === 'warn').length).toBeLessThanOrEqual(21);
  });
});
