import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../src/gbcs/index.js';
import * as dlms from '../../../src/gbcs/payload/dlms/index.js';
import { decodePayload } from '../../../src/gbcs/payload/index.js';
import { decodeChannel, encodeChannel, fromBits, toBits } from '../../../src/subghz/channel.js';
import {
  allowedChannels,
  checkConfiguration,
  configurationFromDlms,
  configurationToDlms,
  DEFAULT_CONFIGURATION,
  SUB_GHZ_SETTINGS,
  type SubGhzConfiguration,
} from '../../../src/subghz/configuration.js';
import { SubGhzError } from '../../../src/subghz/errors.js';
import { describeRtds, loadVectors } from '../../helpers/rtds.js';

function payloadView<T>(name: string): T {
  const vector = loadVectors().find((candidate) => candidate.name === name);
  if (!vector) throw new Error(`no vector ${name}`);
  const message = decodeMessage(vector.bytes, { allowUnknownMessageCode: true });
  const decoded = decodePayload({ messageCode: message.header.messageCode, cra: message.header.cra, payload: message.payload });
  return decoded.view!.value as T;
}

function fromWire(value: dlms.SubGhzConfiguration): SubGhzConfiguration {
  return configurationFromDlms(value.channelMasks.map((mask) => fromBits(mask.value)), value.settings);
}

function refusal(input: unknown): SubGhzError {
  try {
    checkConfiguration(input, 'DBCH04');
  } catch (error) {
    expect(error).toBeInstanceOf(SubGhzError);
    return error as SubGhzError;
  }
  throw new Error('accepted');
}

const valid = (): SubGhzConfiguration => structuredClone(DEFAULT_CONFIGURATION);

describe('the Sub GHz Configuration', () => {
  it('has eleven settings after four masks, each within its DLMS type, and a default that passes its own checks', () => {
    expect(SUB_GHZ_SETTINGS).toHaveLength(11);
    expect(checkConfiguration(DEFAULT_CONFIGURATION)).toEqual(DEFAULT_CONFIGURATION);
    expect(allowedChannels(DEFAULT_CONFIGURATION)).toHaveLength(27 + 9 + 27 + 27);
  });

  it.each([
    ['a mask for the wrong page', (c: SubGhzConfiguration) => { c.channelMasks[1] = 0xe000_0001; }, 'DBCH04.channelMasks[1]', /must be for page 29/],
    ['a channel page 29 does not have', (c: SubGhzConfiguration) => { c.channelMasks[1] = 0xe800_0400; }, 'DBCH04.channelMasks[1]', /does not have/],
    ['no channel at all', (c: SubGhzConfiguration) => { c.channelMasks = [0xe000_0000, 0xe800_0000, 0xf000_0000, 0xf800_0000]; }, 'DBCH04.channelMasks', /no channel/],
    ['three masks', (c: SubGhzConfiguration) => { (c.channelMasks as number[]).pop(); }, 'DBCH04.channelMasks', /4 channel masks/],
    ['an unsigned setting above 255', (c: SubGhzConfiguration) => { c.settings.suspendPeriod = 256; }, 'DBCH04.settings.suspendPeriod', /outside 1\.\.255/],
    ['a zero suspension', (c: SubGhzConfiguration) => { c.settings.suspendPeriod = 0; }, 'DBCH04.settings.suspendPeriod', /outside/],
    ['a threshold above 100 %', (c: SubGhzConfiguration) => { c.settings.deviceDutyCycleLimit = 10_001; }, 'DBCH04.settings.deviceDutyCycleLimit', /outside 1\.\.10000/],
    ['a fractional value', (c: SubGhzConfiguration) => { c.settings.minimumScanInterval = 1.5; }, 'DBCH04.settings.minimumScanInterval', /not an integer/],
    ['a missing setting', (c: SubGhzConfiguration) => { delete (c.settings as Partial<typeof c.settings>).unassigned8; }, 'DBCH04.settings.unassigned8', /not an integer/],
    ['an unknown setting', (c: SubGhzConfiguration) => { (c.settings as Record<string, number>)['extra'] = 1; }, 'DBCH04.settings.extra', /unknown setting/],
    ['thresholds out of order', (c: SubGhzConfiguration) => { c.settings.normalLimitedThreshold = 200; c.settings.limitedCriticalThreshold = 200; }, 'DBCH04.settings.limitedCriticalThreshold', /must be below/],
  ])('refuses %s with SUB_GHZ_* naming the field', (_what, spoil, where, why) => {
    const input = valid();
    spoil(input);
    const error = refusal(input);
    expect(error.code).toMatch(/^SUB_GHZ_(CONFIGURATION|MASK)_INVALID$/);
    expect(error.where).toBe(where);
    expect(error.message).toMatch(why);
  });

  it('refuses settings of the wrong DLMS type or count as they come off the wire', () => {
    const { channelMasks, settings } = configurationToDlms(DEFAULT_CONFIGURATION);
    const wrongType = settings.map((s, i) => (i === 2 ? { type: 'long-unsigned', value: s.value } : s));
    expect(() => configurationFromDlms(channelMasks, wrongType)).toThrow(expect.objectContaining({ where: 'configuration.settings[2]', message: expect.stringMatching(/suspendPeriod must be unsigned/) }));
    expect(() => configurationFromDlms(channelMasks, settings.slice(1))).toThrow(expect.objectContaining({ code: 'SUB_GHZ_CONFIGURATION_INVALID', message: expect.stringMatching(/expected 11 settings/) }));
  });

  it('checks any JSON-ish input to either a configuration equal to it or a SubGhzError, never anything else', () => {
    const setting = fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.double(), fc.constant(undefined), fc.string());
    const settings = fc.record(Object.fromEntries(SUB_GHZ_SETTINGS.map((spec) => [spec.name, setting])));
    const mask = fc.oneof(fc.integer({ min: 0, max: 0xffff_ffff }), fc.constantFrom(0xe000_0006, 0xe800_0006, 0xf000_0006, 0xf800_0006));
    fc.assert(
      fc.property(fc.array(mask, { minLength: 3, maxLength: 5 }), settings, (channelMasks, s) => {
        const input = { channelMasks, settings: s };
        try {
          expect(checkConfiguration(input)).toEqual(input);
        } catch (error) {
          expect(error).toBeInstanceOf(SubGhzError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describeRtds('the Sub GHz Configuration in the RTDS', () => {
  it('reads the DBCH04 command, names its settings and re-encodes the same masks and typed values', () => {
    const wire = payloadView<dlms.DlmsCommandView<typeof dlms.DBCH04.steps>>('DBCH04_6.28_SUCCESS_COMMAND_GBCS.HEX').parameters.configuration;
    const configuration = fromWire(wire);
    expect(configuration.channelMasks).toEqual([0xe000_0006, 0xe800_0006, 0xf000_0006, 0xf800_0006]);
    expect(configuration.settings).toMatchObject({ normalLimitedThreshold: 130, limitedCriticalThreshold: 220, suspendPeriod: 5, deviceDutyCycleLimit: 100, minimumScanInterval: 6000 });
    const back = configurationToDlms(configuration);
    expect(back.settings).toEqual(wire.settings.map(({ type, value }) => ({ type, value })));
    expect(back.channelMasks.map((mask) => toBits(mask))).toEqual(wire.channelMasks.map((mask) => mask.value));
    expect(allowedChannels(configuration)).toContainEqual({ page: 29, channel: 2 });
  });

  it('reads the DBCH03 response and the DBCH09 alert the same way', () => {
    const read = payloadView<dlms.DlmsResponseView<typeof dlms.DBCH03.steps>>('DBCH03_6.30_SUCCESS_RESPONSE_GBCS.HEX').results.configuration.value!;
    expect(fromWire(read).settings).toMatchObject({ normalLimitedThreshold: 125, limitedCriticalThreshold: 200, suspendPeriod: 4 });
    const alert = payloadView<dlms.DlmsAlertView<dlms.SubGhzConfiguration>>('DBCH04_6.28_NA_SUCCESS_ALERT_DBCH09_GBCS.HEX');
    expect(alert.alertCode).toBe(0x8f2a);
    expect(fromWire(alert.body).settings.limitedCriticalThreshold).toBe(220);
  });

  it('reads the channel in the DBCH01 response and the DBCH07 alert as page 28 channel 0, and writes it back the same', () => {
    const read = payloadView<dlms.DlmsResponseView<typeof dlms.DBCH01.steps>>('DBCH01_6.31_SUCCESS_RESPONSE_GBCS.HEX').results.channel.value!;
    expect(decodeChannel(fromBits(read.value))).toEqual({ page: 28, channel: 0 });
    const alert = payloadView<dlms.DlmsAlertView<{ channel: dlms.BitString }>>('DBCH07_NA_8F26_ALERT_GBCS.HEX');
    expect(alert.alertCode).toBe(0x8f26);
    const channel = decodeChannel(fromBits(alert.body.channel.value));
    expect(toBits(encodeChannel(channel))).toEqual(alert.body.channel.value);
  });
});
