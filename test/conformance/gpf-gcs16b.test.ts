import { afterEach, expect } from 'vitest';
import type { ManualClock } from '../../hal/clock.js';
import { silentLogger } from '../../hal/log.js';
import { decodeMessage, messageCodeEntry } from '../../src/gbcs/index.js';
import { decodePayload } from '../../src/gbcs/payload/index.js';
import { GasProxyData, GpfDeviceLog, type PrepaymentDailyRead } from '../../src/gpf/index.js';
import { answerGcs16b } from '../../src/gpf/use-cases/gcs16b-read-prepayment-daily-read-log.js';
import type { HandlerContext, UseCaseCommand } from '../../src/use-case/use-case.js';
import type { Store } from '../../src/store/index.js';
import { describeRtds, itWithVectors, loadVectors } from '../helpers/rtds.js';
import { ConformanceHub, RTDS_IDENTITY, rtdsKeystore } from './harness.js';

/**
 * GCS16b: the RTDS GPF vector is for an unknown remote party (one whose Key Agreement certificate
 * travels in the command), whose response carries the GPF's own counter (0x7D0) in the grouping
 * header and encrypts with it. gpf-vectors.test.ts runs it through the pipeline; here the handler's
 * payload is checked on its own, given that counter.
 */
const COMMAND = 'GCS16b_4.14_URP_SUCCESS_COMMAND_GBCS.HEX';
const RESPONSE = 'GCS16b_4.14_URP_SUCCESS_RESPONSE_GBCS.HEX';
const GPF_OWN_COUNTER = 0x7d0n;

/** Two days of prepayment reads in the window the command asks about (money in pence; 1/1000 penny on the wire). */
const READS: PrepaymentDailyRead[] = [
  { day: '2014-12-30', at: Date.UTC(2014, 11, 30, 9), accumulatedDebt: 0.13, timeDebts: [0.121, 0.223], paymentDebt: 0.202, emergencyCreditBalance: 0.05, meterBalance: 0.066 },
  { day: '2014-12-31', at: Date.UTC(2014, 11, 31, 9), accumulatedDebt: 0.079, timeDebts: [0.017, 0.171], paymentDebt: 0.069, emergencyCreditBalance: -0.064, meterBalance: -0.181 },
];

let harness: ConformanceHub | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const itIf = (name: string, body: () => Promise<void>) => itWithVectors(COMMAND)(name, body);

describeRtds('GCS16b: the prepayment daily read log from the GPF', () => {
  itIf('answers the RTDS URP command with the RTDS payload: two snapshots encrypted, 29 days NOT_FOUND', async () => {
    let gpf: { data: GasProxyData; deviceLog: GpfDeviceLog } | undefined;
    harness = await ConformanceHub.open({
      extras: async (store: Store, clock: ManualClock) => {
        gpf = { data: await GasProxyData.open(store), deviceLog: await GpfDeviceLog.open(store) };
        for (const read of READS) await gpf.data.recordPrepaymentDailyRead(read);
        clock.set(Date.UTC(2015, 0, 1));
        return { gpf };
      },
    });
    const vector = (name: string) => decodeMessage(loadVectors().find((v) => v.name === name)!.bytes);
    const message = vector(COMMAND);
    const { header } = message;
    const command: UseCaseCommand = {
      message,
      header,
      entry: messageCodeEntry(header.messageCode)!,
      payload: decodePayload({ messageCode: header.messageCode, cra: 'command', payload: message.payload }),
      remoteParty: { eui: header.supplementary!.remotePartyId, role: 'supplier' },
      signatureVerified: false,
    };
    const context: HandlerContext = {
      clock: harness.clock,
      identity: RTDS_IDENTITY,
      chf: harness.hub.chf,
      gpf: gpf!,
      alerts: { raise: () => undefined },
      logger: silentLogger,
      secureElement: (await rtdsKeystore()).secureElement,
    };
    const expected = vector(RESPONSE);
    expect(expected.header.supplementary?.originatorCounter).toBe(GPF_OWN_COUNTER);
    const result = await answerGcs16b(context, command, GPF_OWN_COUNTER);
    expect(result.payload.toString('hex')).toBe(expected.payload.toString('hex'));
    expect(result.dateTime).toBeUndefined();
  });
});
