import { afterEach, expect, it } from 'vitest';
import type { ManualClock } from '../../hal/clock.js';
import { decodeMessage, messageCodeEntry } from '../../src/gbcs/index.js';
import { GasProxyData, GpfDeviceLog, type GasRegisters } from '../../src/gpf/index.js';
import { GPF_HANDLERS } from '../../src/gpf/use-cases/index.js';
import type { Store } from '../../src/store/store.js';
import { describeRtds, loadVectors, rtdsPresent } from '../helpers/rtds.js';
import { commandPairs, ConformanceHub, expectAnswer, RTDS_IDENTITY } from './harness.js';

/**
 * Every RTDS command to the GPF, answered byte for byte by a hub whose GPF holds what the vector
 * implies; and the GCS62 backup alert from the Device Log change that causes it.
 */
interface GpfSeed {
  reading?: GasRegisters;
  dailyConsumption?: Array<{ day: string; consumption: number }>;
  deviceLog?: Array<{ eui64: string; deviceType: 'GSME' | 'PPMID' | 'Type2' }>;
}

const RTDS_NOW = Date.UTC(2015, 0, 1);

/** The registers the RTDS GCS13a/b/c responses report (litres, with divisor 1000): consumption 12345, blocks 0..3, tiers 1000..4000. */
const reading = (timeSource: 'gpf' | 'gsme'): GasRegisters => ({
  at: RTDS_NOW,
  timeSource,
  consumption: 12.345,
  blockCounters: [0, 0.001, 0.002, 0.003],
  touRegisters: [1, 2, 3, 4],
  // The RTDS GCS14 money (1/1000 penny on the wire): credit and debt £25, emergency credit £5, each debt register 5 units.
  prepayment: { meterBalance: 2500, emergencyCreditBalance: 500, accumulatedDebt: 2500, paymentDebt: 5, timeDebts: [5, 5] },
});

/** Eleven days of consumption from 2014-12-22, as the RTDS GCS61 response samples them (litres). */
const DAILY = [48714, 17550, 49289, 2911, 58750, 13734, 49214, 11786, 42749, 46370, 5360].map((litres, i) => ({
  day: new Date(Date.UTC(2014, 11, 22 + i)).toISOString().slice(0, 10),
  consumption: litres / 1000,
}));

const SEEDS: Readonly<Record<string, GpfSeed>> = {
  GCS09_SUCCESS: {},
  GCS13a_SUCCESS_RELIABLE_GPF: { reading: reading('gpf') },
  GCS13a_SUCCESS_RELIABLE_GSME: { reading: reading('gsme') },
  GCS13b_SUCCESS_RELIABLE_GPF: { reading: reading('gpf') },
  GCS13b_SUCCESS_RELIABLE_GSME: { reading: reading('gsme') },
  GCS13c_SUCCESS_RELIABLE_GPF: { reading: reading('gpf') },
  GCS13c_SUCCESS_RELIABLE_GSME: { reading: reading('gsme') },
  GCS14_SUCCESS_RELIABLE_GPF: { reading: reading('gpf') },
  GCS14_SUCCESS_RELIABLE_GSME: { reading: reading('gsme') },
  GCS61_SUCCESS: { dailyConsumption: DAILY },
  GCS61_NOT_FOUND: { dailyConsumption: DAILY },
  GCS59_SUCCESS: {},
};

let harness: ConformanceHub | undefined;
let gpf: { data: GasProxyData; deviceLog: GpfDeviceLog } | undefined;

async function openHub(seed: GpfSeed, ownCounter?: number): Promise<ConformanceHub> {
  return ConformanceHub.open({
    ...(ownCounter === undefined ? {} : { seed: { counters: { own: ownCounter } } }),
    extras: async (store: Store, clock: ManualClock) => {
      const opened = { data: await GasProxyData.open(store), deviceLog: await GpfDeviceLog.open(store) };
      if (seed.reading) await opened.data.recordReading(seed.reading);
      if (seed.dailyConsumption) await opened.data.recordDailyConsumption(seed.dailyConsumption);
      for (const entry of seed.deviceLog ?? []) await opened.deviceLog.add({ eui64: entry.eui64, deviceType: entry.deviceType });
      clock.set(RTDS_NOW);
      gpf = opened;
      return { gpf: opened };
    },
  });
}

afterEach(async () => {
  await harness?.close();
  harness = undefined;
  gpf = undefined;
});

const handled = new Set(GPF_HANDLERS.map((handler) => handler.useCase));

/**
 * Pairs the pipeline cannot reproduce yet, and why. The handler's payload for them is checked on
 * its own (gpf-gcs16b.test.ts).
 */
const NOT_YET: Readonly<Record<string, string>> = {
  GCS16b_URP_SUCCESS:
    'an unknown remote party: the response carries the GPF\'s own counter in its grouping header and encrypts with it, and the pipeline neither verifies a carried certificate nor adds that counter',
};
const reproducible = (key: string) => !(key in NOT_YET);
const pairs = rtdsPresent ? commandPairs(RTDS_IDENTITY.gpf) : [];

describeRtds('RTDS conformance: GPF commands answered byte for byte', () => {
  it('finds the GPF command vectors, each with its response', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(5);
    for (const { command, response } of pairs) expect(response, command.name).toBeDefined();
  });

  for (const { command, response } of pairs.filter((pair) => handled.has(pair.command.useCase) && reproducible(`${pair.command.useCase}_${pair.command.outcome}`))) {
    const key = `${command.useCase}_${command.outcome}`;
    it(`${command.name} → ${response!.name}`, async () => {
      const seed = SEEDS[key];
      if (!seed) throw new Error(`no GPF seed for ${key}`);
      harness = await openHub(seed);
      const outcome = await harness.process(command.bytes);
      expectAnswer(outcome, response!.bytes);
      // A restore that changes the GPF Device Log is followed by its GCS62 backup; reads raise nothing.
      const alerts = outcome.kind === 'answered' ? outcome.alerts.map((alert) => decodeMessage(alert.bytes).header) : [];
      expect(alerts.map((header) => [header.originator, header.messageCode])).toEqual(command.useCase === 'GCS59' ? [[RTDS_IDENTITY.gpf, 0x00b2]] : []);
    });
  }

  for (const { command } of pairs.filter((pair) => !reproducible(`${pair.command.useCase}_${pair.command.outcome}`))) {
    it.todo(`${command.name}: ${NOT_YET[`${command.useCase}_${command.outcome}`]}`);
  }

  for (const { command } of pairs.filter((pair) => !handled.has(pair.command.useCase))) {
    it.todo(`${command.name}: no GPF handler for ${messageCodeEntry(decodeMessage(command.bytes).header.messageCode)?.useCase} yet`);
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
    harness = await openHub({ deviceLog: [...ENTRIES] }, 1000);
    await gpf!.deviceLog.add({ eui64: '00DB12345678909B', deviceType: 'Type2' });
    await expect.poll(() => harness!.looseAlerts.length).toBe(1);
    expect(harness.looseAlerts[0]!.bytes.toString('hex')).toBe(vector().bytes.toString('hex'));
  });

  it('lists a Device that takes a freed place where it sits, not last', async () => {
    harness = await openHub({ deviceLog: [...ENTRIES, { eui64: '00DB12345678909B', deviceType: 'Type2' }] }, 999);
    await gpf!.deviceLog.remove('00DB123456789099');
    await gpf!.deviceLog.add({ eui64: '00DB123456789099', deviceType: 'PPMID' });
    await expect.poll(() => harness!.looseAlerts.length).toBe(2);
    // The second alert (counter 1001) lists the same entries in the same places as the RTDS one.
    const payload = decodeMessage(harness.looseAlerts[1]!.bytes).payload;
    expect(payload.toString('hex')).toBe(decodeMessage(vector().bytes).payload.toString('hex'));
  });
});
