import { afterEach, beforeEach, expect, it } from 'vitest';
import { answerDbch01 } from '../../../../src/chf/use-cases/dbch01-read-sub-ghz-channel.js';
import { answerDbch03 } from '../../../../src/chf/use-cases/dbch03-read-sub-ghz-configuration.js';
import { answerDbch04 } from '../../../../src/chf/use-cases/dbch04-set-sub-ghz-configuration.js';
import { DBCH01, DBCH03, DBCH04 } from '../../../../src/gbcs/payload/dlms/chf.js';
import { configurationFromDlms, type SubGhzConfiguration } from '../../../../src/subghz/index.js';
import { describeRtds } from '../../../helpers/rtds.js';
import { Fixture } from '../../subghz/helpers.js';
import { vectorPayload } from './dbch-vectors.js';

/** The configuration the RTDS DBCH03 SUCCESS response reports. */
const RTDS_DBCH03_CONFIGURATION: SubGhzConfiguration = configurationFromDlms(
  [0xe0000003, 0xe8000003, 0xf0000003, 0xf8000003],
  [125, 200, 4, 6, 6, 10, 5050, 125, 90, 5000, 3000].map((value, i) => ({ type: [2, 4, 5, 7].includes(i) ? 'unsigned' : 'long-unsigned', value })),
);

let fixture: Fixture;
beforeEach(async () => {
  fixture = await Fixture.create();
});
afterEach(async () => {
  await fixture.dispose();
});

describeRtds('DBCH01, DBCH03 and DBCH04 answered from the Sub GHz state as the RTDS answers them', () => {
  it('DBCH01: the operating channel; hardware-fault without a Sub GHz side or before the network exists', async () => {
    expect(DBCH01.decodeResponse(answerDbch01(vectorPayload('DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX'), fixture.state)).results.channel).toEqual({ result: 1 });
    await fixture.state.adoptChannel({ page: 28, channel: 0 });
    expect(answerDbch01(vectorPayload('DBCH01_6.31_SUCCESS_COMMAND_GBCS.HEX'), fixture.state)).toEqual(vectorPayload('DBCH01_6.31_SUCCESS_RESPONSE_GBCS.HEX'));
    expect(answerDbch01(vectorPayload('DBCH01_6.31_ERROR_COMMAND_GBCS.HEX'), undefined)).toEqual(vectorPayload('DBCH01_6.31_ERROR_RESPONSE_GBCS.HEX'));
  });

  it('DBCH03: the configuration as stored', async () => {
    await fixture.state.setConfiguration(RTDS_DBCH03_CONFIGURATION);
    expect(answerDbch03(vectorPayload('DBCH03_6.30_SUCCESS_COMMAND_GBCS.HEX'), fixture.state)).toEqual(vectorPayload('DBCH03_6.30_SUCCESS_RESPONSE_GBCS.HEX'));
    expect(answerDbch03(vectorPayload('DBCH03_6.30_ERROR_COMMAND_GBCS.HEX'), undefined)).toEqual(vectorPayload('DBCH03_6.30_ERROR_RESPONSE_GBCS.HEX'));
  });

  it('DBCH04: sets the configuration (DBCH03 then reads it back) and raises DBCH09; a closed state is a hardware-fault', async () => {
    const response = await answerDbch04(vectorPayload('DBCH04_6.28_SUCCESS_COMMAND_GBCS.HEX'), fixture.state);
    expect(response).toEqual(vectorPayload('DBCH04_6.28_SUCCESS_RESPONSE_GBCS.HEX'));
    const sent = DBCH04.decodeCommand(vectorPayload('DBCH04_6.28_SUCCESS_COMMAND_GBCS.HEX')).parameters.configuration;
    const read = DBCH03.decodeResponse(answerDbch03(vectorPayload('DBCH03_6.30_SUCCESS_COMMAND_GBCS.HEX'), fixture.state)).results.configuration;
    expect(read.value).toEqual(sent);
    expect(fixture.seen('configurationChanged')).toHaveLength(1);
    await fixture.state.close();
    expect(await answerDbch04(vectorPayload('DBCH04_6.28_ERROR_COMMAND_GBCS.HEX'), fixture.state)).toEqual(vectorPayload('DBCH04_6.28_ERROR_RESPONSE_GBCS.HEX'));
  });
});

describeRtds('DBCH04 refusals change nothing', () => {
  const command = () => DBCH04.decodeCommand(vectorPayload('DBCH04_6.28_SUCCESS_COMMAND_GBCS.HEX'));
  type Configuration = ReturnType<typeof command>['parameters']['configuration'];

  async function refused(change: (configuration: Configuration) => void): Promise<number> {
    const view = command();
    change(view.parameters.configuration);
    const before = fixture.state.configuration();
    const answer = DBCH04.decodeResponse(await answerDbch04(DBCH04.encodeCommand(view), fixture.state));
    expect(fixture.state.configuration()).toEqual(before);
    expect(fixture.seen('configurationChanged')).toHaveLength(0);
    return answer.results.configuration.result;
  }

  it('a value out of range, a mask for the wrong page, or thresholds in the wrong order: other-reason', async () => {
    expect(await refused((c) => (c.settings[2]!.value = 0))).toBe(250);
    expect(await refused((c) => (c.channelMasks[0] = { bits: 32, value: Buffer.from('e8000001', 'hex') }))).toBe(250);
    expect(await refused((c) => (c.settings[0]!.value = 300))).toBe(250);
    expect(await refused((c) => (c.channelMasks = c.channelMasks.map((m) => ({ ...m, value: Buffer.from([m.value[0]!, 0, 0, 0]) }))))).toBe(250);
  });

  it('a setting of the wrong DLMS type, a setting missing, or a short mask: type-unmatched', async () => {
    expect(await refused((c) => (c.settings[0]!.type = 'unsigned'))).toBe(12);
    expect(await refused((c) => c.settings.pop())).toBe(12);
    expect(await refused((c) => (c.channelMasks[1] = { bits: 16, value: Buffer.from('e800', 'hex') }))).toBe(12);
  });
});
