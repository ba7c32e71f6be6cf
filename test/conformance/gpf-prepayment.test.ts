import { afterEach, expect, it } from 'vitest';
import type { ManualClock } from '../../hal/clock.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import { decodeGbz, encodeGbz, type GbzPayload } from '../../src/gbcs/payload/gbz/index.js';
import { GasProxyData, GpfDeviceLog } from '../../src/gpf/index.js';
import type { Outcome } from '../../src/hub/router.js';
import type { Store } from '../../src/store/index.js';
import { describeRtds } from '../helpers/rtds.js';
import { buildCommand, ConformanceHub, RTDS_IDENTITY } from './harness.js';

/**
 * GCS60 and GCS14 refusals, checked field by field: the RTDS sends GCS60 only to the GSME, so the
 * same two reads are sent to the GPF here.
 */
let harness: ConformanceHub | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function openHub(prepayment: boolean): Promise<ConformanceHub> {
  return ConformanceHub.open({
    domains: [{ name: 'gpfRegisters', personal: true }],
    extras: async (store: Store, clock: ManualClock) => {
      const gpf = { data: await GasProxyData.open(store), deviceLog: await GpfDeviceLog.open(store) };
      await gpf.data.recordReading({
        at: clock.now(), consumption: 1, blockCounters: [], touRegisters: [],
        ...(prepayment ? { prepayment: { meterBalance: 2500, emergencyCreditBalance: 500, accumulatedDebt: 0, paymentDebt: 0, timeDebts: [] } } : {}),
      });
      return { gpf };
    },
  });
}

function components(outcome: Outcome): Extract<GbzPayload, { gbz: 'components' }>['components'] {
  if (outcome.kind !== 'answered') throw new Error(`expected an answer, got ${outcome.kind}`);
  return (decodeGbz(decodeMessage(outcome.response).payload, { alert: false }) as Extract<GbzPayload, { gbz: 'components' }>).components;
}

/** A GBZ command of read-attributes components: [cluster, attribute ids] each, sequence numbers 0, 1, ... */
function reads(...parts: Array<[clusterId: number, ids: number[]]>): Buffer {
  return encodeGbz({
    gbz: 'components',
    profileId: 0x0109,
    components: parts.map(([clusterId, attributeIds], i) => ({
      control: i === parts.length - 1 ? 0x01 : 0x00,
      clusterId,
      zcl: { frameControl: 0x00, sequence: i, commandId: 0x00 },
      body: { kind: 'read-attributes', attributeIds },
    })),
  });
}

/** GCS60: bill to date (Metering) and credit remaining (Prepayment). GCS14: the currency format (Price) and the prepayment registers. */
const GCS60 = reads([0x0702, [0x0a00]], [0x0705, [0x0001]]);
const GCS14 = reads([0x0700, [0x0617, 0x0616]], [0x0705, [0x0005, 0x0002, 0x0001, 0x0231, 0x0211, 0x0221]]);

describeRtds('GCS60: the meter balance from the GPF', () => {
  it('answers the credit remaining (1/1000 penny) in clear; the bill to date it does not hold is unsupported', async () => {
    harness = await openHub(true);
    const before = await harness.snapshot();
    const answer = components(await harness.process(await buildCommand(harness, { messageCode: 0x008d, payload: GCS60, counter: 0x2000n, recipient: RTDS_IDENTITY.gpf })));
    expect(answer.map((c) => [c.control, c.clusterId, c.zcl])).toEqual([
      [0x00, 0x0702, { frameControl: 0x08, sequence: 0, commandId: 0x01 }],
      [0x01, 0x0705, { frameControl: 0x08, sequence: 1, commandId: 0x01 }],
    ]);
    expect(answer.map((c) => c.body)).toEqual([
      { kind: 'read-attributes-response', records: [{ attributeId: 0x0a00, status: 0x86 }] },
      { kind: 'read-attributes-response', records: [{ attributeId: 0x0001, status: 0, dataType: 0x2b, value: 2_500_000 }] },
    ]);
    expect({ ...(await harness.snapshot()), counters: [] }).toEqual({ ...before, counters: [] });
  });

  it('without prepayment registers in the copy: NOT_FOUND', async () => {
    harness = await openHub(false);
    const [only] = components(await harness.process(await buildCommand(harness, { messageCode: 0x008d, payload: GCS60, counter: 0x2001n, recipient: RTDS_IDENTITY.gpf })));
    expect(only!.body).toEqual({ kind: 'default-response', commandId: 0x00, status: 0x8b });
  });

  it('GCS14 without prepayment registers: NOT_FOUND; with only one of its two reads: MALFORMED_COMMAND', async () => {
    harness = await openHub(false);
    const [notFound] = components(await harness.process(await buildCommand(harness, { messageCode: 0x0075, payload: GCS14, counter: 0x2002n, recipient: RTDS_IDENTITY.gpf })));
    expect(notFound!.body).toEqual({ kind: 'default-response', commandId: 0x00, status: 0x8b });
    const priceOnly = reads([0x0700, [0x0617, 0x0616]]);
    const [malformed] = components(await harness.process(await buildCommand(harness, { messageCode: 0x0075, payload: priceOnly, counter: 0x2003n, recipient: RTDS_IDENTITY.gpf })));
    expect(malformed!.body).toEqual({ kind: 'default-response', commandId: 0x00, status: 0x80 });
  });
});
