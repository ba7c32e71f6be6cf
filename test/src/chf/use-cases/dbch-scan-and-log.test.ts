import { afterEach, beforeEach, expect, it } from 'vitest';
import { answerDbch02, DBCH02 } from '../../../../src/chf/use-cases/dbch02-read-sub-ghz-channel-log.js';
import { answerDbch05, DBCH05 } from '../../../../src/chf/use-cases/dbch05-request-sub-ghz-channel-scan.js';
import type { SubGhzPage } from '../../../../src/subghz/index.js';
import { describeRtds, itWithVectors } from '../../../helpers/rtds.js';
import { Fixture } from '../../subghz/helpers.js';
import { vectorPayload } from './dbch-vectors.js';

const GBCS_EPOCH_MS = Date.UTC(2000, 0, 1);
const PAGES: SubGhzPage[] = [28, 29, 30, 31];
/** The channel changes the RTDS DBCH02 reports (seconds since 2000): channel i on page 28 + i mod 4. */
const RTDS_CHANGES = [472348800, 472470300, 472570380, 472653060, 472713000, 472825380, 472944360, 472967940, 473088000, 473153160, 473284620];

let fixture: Fixture;
beforeEach(async () => {
  fixture = await Fixture.create();
});
afterEach(async () => {
  await fixture.dispose();
});

async function changeAt(seconds: number, page: SubGhzPage, channel: number): Promise<void> {
  fixture.clock.set(GBCS_EPOCH_MS + seconds * 1000);
  await fixture.state.adoptChannel({ page, channel });
}


describeRtds('DBCH02: the Sub GHz Channel Log between two times', () => {
  itWithVectors('DBCH02_6.32_SUCCESS_COMMAND_GBCS.HEX')('answers the entries in the range, oldest first, as the RTDS does; none before or after it', async () => {
    await changeAt(472_000_000, 31, 26);
    for (const [i, seconds] of RTDS_CHANGES.entries()) await changeAt(seconds, PAGES[i % 4]!, i % 8);
    await changeAt(473_400_000, 31, 20);
    expect(await answerDbch02(vectorPayload('DBCH02_6.32_SUCCESS_COMMAND_GBCS.HEX'), fixture.state)).toEqual(vectorPayload('DBCH02_6.32_SUCCESS_RESPONSE_GBCS.HEX'));
    expect(await answerDbch02(vectorPayload('DBCH02_6.32_ERROR_COMMAND_GBCS.HEX'), undefined)).toEqual(vectorPayload('DBCH02_6.32_ERROR_RESPONSE_GBCS.HEX'));
  });

  it('answers entries from..to inclusive, oldest first; an empty range an empty list; a closed state a hardware-fault', async () => {
    const range = (from: number, to: number) =>
      DBCH02.encodeCommand({
        invokeId: 0x20000001,
        parameters: {
          channelLog: {
            restrictingObject: { classId: 1, logicalName: Buffer.from('00005e2c64ff', 'hex'), attributeIndex: 2, dataIndex: 0 },
            from,
            to,
            selectedValues: [],
          },
        },
      });
    const read = async (from: number, to: number) => DBCH02.decodeResponse(await answerDbch02(range(from, to), fixture.state)).results.channelLog;
    await changeAt(1000, 28, 1);
    await changeAt(2000, 29, 2);
    await changeAt(3000, 30, 3);
    const times = async (from: number, to: number) => (await read(from, to)).value?.map((entry) => entry.time);
    expect(await times(1000, 3000)).toEqual([1000, 2000, 3000]);
    expect(await times(1001, 2999)).toEqual([2000]);
    expect(await times(3001, 9000)).toEqual([]);
    const [entry] = (await read(2000, 2000)).value!;
    expect(entry).toEqual({ time: 2000, eventCode: 0x8f26, detail: Buffer.from('e8000004090102', 'hex') });
    await fixture.state.close();
    await fixture.store.close();
    expect(await read(0, 9000)).toEqual({ result: 1 });
  });
});

describeRtds('DBCH05: a channel scan request', () => {
  itWithVectors('DBCH05_6.29_SUCCESS_COMMAND_GBCS.HEX')('is taken (the assessment follows as DBCH08); without a Sub GHz side it is a hardware-fault', async () => {
    expect(answerDbch05(vectorPayload('DBCH05_6.29_SUCCESS_COMMAND_GBCS.HEX'), fixture.state)).toEqual(vectorPayload('DBCH05_6.29_SUCCESS_RESPONSE_GBCS.HEX'));
    await fixture.state.close();
    expect(fixture.seen('scanRequestAssessed')).toEqual([expect.objectContaining({ assessment: { outcome: 'accepted' } })]);
    expect(answerDbch05(vectorPayload('DBCH05_6.29_ERROR_COMMAND_GBCS.HEX'), undefined)).toEqual(vectorPayload('DBCH05_6.29_ERROR_RESPONSE_GBCS.HEX'));
  });

  it('a second request too soon is still taken, and assessed as refused', async () => {
    const command = DBCH05.encodeCommand({ invokeId: 0x20000001, parameters: { channelScan: 0 } });
    answerDbch05(command, fixture.state);
    answerDbch05(command, fixture.state);
    await fixture.state.close();
    expect(fixture.seen('scanRequestAssessed').map((event) => event.assessment.outcome)).toEqual(['accepted', 'refused']);
  });
});
