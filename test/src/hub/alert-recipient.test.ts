import { PassThrough } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../../src/logs/process-logger.js';
import { ConformanceHub, RTDS_IDENTITY } from '../../conformance/harness.js';
import { describeRtds } from '../../helpers/rtds.js';

/**
 * A hub that has not been given its Security Credentials (the simulator demo, a bench) trusts no
 * Access Control Broker, so it has no one to address an alert to. It says so once, as a warning
 * that names the way out, rather than an error with a stack for every alert.
 */
const CS14 = 0x8f12;

async function hubLogging(trustAcb: boolean): Promise<{ harness: ConformanceHub; lines: () => Array<{ level: number; msg: string }> }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (chunk) => (text += String(chunk)));
  const logger = createLogger({ destination: out, level: 'debug' });
  const harness = await ConformanceHub.open({
    extras: () => Promise.resolve({ logger }),
    trust: (credential) => trustAcb || credential.role !== 'accessControlBroker',
  });
  const lines = () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { level: number; msg: string });
  return { harness, lines };
}

function raise(harness: ConformanceHub, times: number): void {
  for (let i = 0; i < times; i++) harness.hub.router.alerts.raise({ originator: RTDS_IDENTITY.chf, messageCode: CS14, payload: () => Buffer.alloc(0) });
}

let open: ConformanceHub | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

describeRtds('alerts with no Access Control Broker to address them to', () => {
  it('are reported by one warning naming the fix, not an error each', async () => {
    const { harness, lines } = await hubLogging(false);
    open = harness;
    raise(harness, 3);
    await harness.hub.router.alerts.idle();
    expect(harness.looseAlerts).toEqual([]);
    const warnings = lines().filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toMatch(/no Access Control Broker certificate is trusted.*security\.keystore/);
    expect(lines().filter((line) => line.level >= 50)).toEqual([]);
    expect(lines().filter((line) => line.level === 20 && /alert not sent/.test(line.msg))).toHaveLength(2);
  });

  it('are sealed and handed on, with no warning, once the broker is trusted', async () => {
    const { harness, lines } = await hubLogging(true);
    open = harness;
    raise(harness, 2);
    await harness.hub.router.alerts.idle();
    expect(harness.looseAlerts.map((alert) => alert.messageCode)).toEqual([CS14, CS14]);
    expect(lines().filter((line) => line.level >= 40)).toEqual([]);
  });
});
