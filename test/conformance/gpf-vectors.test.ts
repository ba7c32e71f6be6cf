import { afterEach, expect, it } from 'vitest';
import { decodeMessage } from '../../src/gbcs/index.js';
import type { GasProxyData, GpfDeviceLog } from '../../src/gpf/index.js';
import { describeRtds, loadVectors, rtdsPresent } from '../helpers/rtds.js';
import { gpfState, type GpfSeed } from './gpf-seeds.js';
import { commandPairs, ConformanceHub, expectAnswer, RTDS_IDENTITY } from './harness.js';
import { runVector } from './vector-runner.js';

/**
 * Every RTDS command to the GPF, whatever `$RTDS_DIR` holds, one test per vector, answered byte
 * for byte by a hub whose GPF holds what the vector implies (gpf-seeds.ts); and the GCS62 backup
 * alert from the Device Log change that causes it.
 */
let harness: ConformanceHub | undefined;
let gpf: { data: GasProxyData; deviceLog: GpfDeviceLog } | undefined;

async function openHub(seed: GpfSeed): Promise<ConformanceHub> {
  const opened = await ConformanceHub.open(gpfState(seed));
  gpf = opened.extras.gpf as { data: GasProxyData; deviceLog: GpfDeviceLog };
  return opened;
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  gpf = undefined;
});

const pairs = rtdsPresent ? commandPairs(RTDS_IDENTITY.gpf) : [];

describeRtds('RTDS conformance: GPF commands answered byte for byte', () => {
  it('finds the GPF command vectors', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(5);
  });

  for (const { command, response } of pairs) {
    it(`${command.name} → ${response?.name ?? 'no RESPONSE'}`, () => runVector(command, response));
  }

  it('GCS09 sets the change-of-tenancy date the command carries (2016-11-22T02:46:56Z)', async () => {
    const [pair] = pairs.filter((p) => p.command.useCase === 'GCS09');
    harness = await openHub({});
    expect(await gpf!.data.changeOfTenancy()).toBeUndefined();
    expectAnswer(await harness.process(pair!.command.bytes), pair!.response!.bytes);
    expect(new Date((await gpf!.data.changeOfTenancy())!).toISOString()).toBe('2016-11-22T02:46:56.000Z');
  });
});

describeRtds('RTDS conformance: the GCS62 GPF Device Log backup alert', () => {
  const vector = () => loadVectors().find((v) => v.name === 'GCS62_NA_8071_ALERT_GBCS.HEX')!;
  const ENTRIES = [
    { eui64: '0102030405060708', deviceType: 'Type2' },
    { eui64: '00DB123456789099', deviceType: 'PPMID' },
    { eui64: '00DB123456789097', deviceType: 'PPMID' },
    { eui64: '00DB123456789096', deviceType: 'PPMID' },
    { eui64: '00DB123456789098', deviceType: 'PPMID' },
  ] as const;

  it('is raised when the sixth Device joins the log, carrying the hub counter after 1000, byte for byte', async () => {
    harness = await openHub({ deviceLog: [...ENTRIES], ownCounter: 1000 });
    await gpf!.deviceLog.add({ eui64: '00DB12345678909B', deviceType: 'Type2' });
    await expect.poll(() => harness!.looseAlerts.length).toBe(1);
    expect(harness.looseAlerts[0]!.bytes.toString('hex')).toBe(vector().bytes.toString('hex'));
  });

  it('lists a Device that takes a freed place where it sits, not last', async () => {
    harness = await openHub({ deviceLog: [...ENTRIES, { eui64: '00DB12345678909B', deviceType: 'Type2' }], ownCounter: 999 });
    await gpf!.deviceLog.remove('00DB123456789099');
    await gpf!.deviceLog.add({ eui64: '00DB123456789099', deviceType: 'PPMID' });
    await expect.poll(() => harness!.looseAlerts.length).toBe(2);
    // The second alert (counter 1001) lists the same entries in the same places as the RTDS one.
    const payload = decodeMessage(harness.looseAlerts[1]!.bytes).payload;
    expect(payload.toString('hex')).toBe(decodeMessage(vector().bytes).payload.toString('hex'));
  });
});
