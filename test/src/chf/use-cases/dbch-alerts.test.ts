import { afterEach, beforeEach, expect, it } from 'vitest';
import { watchSubGhz } from '../../../../src/chf/use-cases/dbch-alert-watch.js';
import { DBCH04 } from '../../../../src/gbcs/payload/dlms/chf.js';
import type { AlertRequest } from '../../../../src/use-case/use-case.js';
import { configurationFromDlms } from '../../../../src/subghz/index.js';
import { describeRtds, itWithVectors } from '../../../helpers/rtds.js';
import { ESME, Fixture, GSME } from '../../subghz/helpers.js';
import { vectorPayload } from './dbch-vectors.js';

const CHF = '00DB1234567890A2';
const SUPPLIER = '90B3D51F30010000';
/** Every RTDS Sub GHz alert carries counter 0xFA0 and the time 2015-01-01T00:00:00Z. */
const RTDS_COUNTER = 0xfa0n;
const RTDS_TIME = Date.UTC(2015, 0, 1);

let fixture: Fixture;
let raised: AlertRequest[];
let stop: () => void;

async function start(options: { capacity?: number } = {}): Promise<void> {
  fixture = await Fixture.create(options);
  fixture.clock.set(RTDS_TIME);
  raised = [];
  stop = watchSubGhz(fixture.state, { chf: CHF }, { raise: (alert) => raised.push(alert) });
}

afterEach(async () => {
  stop();
  await fixture.dispose();
});

/** The one alert raised with this Message Code, sealed with the RTDS counter. */
function payloadOf(messageCode: number): Buffer {
  const alerts = raised.filter((alert) => alert.messageCode === messageCode);
  expect(alerts).toHaveLength(1);
  expect(alerts[0]!.originator).toBe(CHF);
  return alerts[0]!.payload(RTDS_COUNTER);
}

/** Sends as `eui64` until the Sub GHz state pauses it. */
async function exhaust(eui64: string): Promise<void> {
  await fixture.state.admitJoin(eui64);
  for (let i = 0; i < 10_000 && !fixture.state.pauseOf(eui64); i++) await fixture.state.deviceTransmitted(eui64, 2047);
  expect(fixture.state.pauseOf(eui64)).toBeDefined();
}


describeRtds('the Sub GHz alerts, reproduced from the events that cause them', () => {
  beforeEach(async () => start({ capacity: 2 }));

  it('DBCH07: a channel change', async () => {
    await fixture.state.adoptChannel({ page: 28, channel: 0 });
    expect(payloadOf(0x0111)).toEqual(vectorPayload('DBCH07_NA_8F26_ALERT_GBCS.HEX'));
  });

  it('DBCH09: the configuration DBCH04 set', async () => {
    const { channelMasks, settings } = DBCH04.decodeCommand(vectorPayload('DBCH04_6.28_SUCCESS_COMMAND_GBCS.HEX')).parameters.configuration;
    await fixture.state.setConfiguration(configurationFromDlms(channelMasks.map((m) => m.value.readUInt32BE(0)), settings));
    expect(payloadOf(0x0113)).toEqual(vectorPayload('DBCH04_6.28_NA_SUCCESS_ALERT_DBCH09_GBCS.HEX'));
  });

  itWithVectors('DBCH06_NA_8F20_ALERT_GBCS.HEX')('DBCH06: the GSME paused at its duty-cycle limit', async () => {
    await exhaust(GSME);
    expect(payloadOf(0x0110)).toEqual(vectorPayload('DBCH06_NA_8F20_ALERT_GBCS.HEX'));
  });

  itWithVectors('DBCH08_NA_8F28_ALERT_GBCS.HEX')('DBCH08: a scan request accepted', async () => {
    await fixture.state.requestScan();
    expect(payloadOf(0x0112)).toEqual(vectorPayload('DBCH08_NA_8F28_ALERT_GBCS.HEX'));
  });

  itWithVectors('DBCH10_NA_8F2C_ALERT_GBCS.HEX')('DBCH10: the supplier\'s command to the paused ESME discarded', async () => {
    await exhaust(ESME);
    expect(fixture.state.admitCommand(ESME, { messageCode: 0x0027, originatorCounter: 0x3e8n, remoteParty: SUPPLIER })).toBe(false);
    expect(payloadOf(0x0114)).toEqual(vectorPayload('DBCH10_NA_8F2C_ALERT_GBCS.HEX'));
  });

  it('DBCH10 is not raised for a discarded command whose Remote Party is unknown', async () => {
    await exhaust(ESME);
    expect(fixture.state.admitCommand(ESME, { messageCode: 0x0027, originatorCounter: 0x3e8n })).toBe(false);
    expect(raised.filter((alert) => alert.messageCode === 0x0114)).toEqual([]);
  });

  itWithVectors('DBCH11_NA_8F2D_ALERT_GBCS.HEX')('DBCH11: the GSME refused for want of Sub GHz capacity', async () => {
    await fixture.state.admitJoin(ESME);
    await fixture.state.admitJoin('00DB1234567890A4');
    expect(await fixture.state.admitJoin(GSME)).toBe(false);
    expect(payloadOf(0x0115)).toEqual(vectorPayload('DBCH11_NA_8F2D_ALERT_GBCS.HEX'));
  });

  it('unsubscribing stops the alerts', async () => {
    stop();
    await fixture.state.adoptChannel({ page: 29, channel: 3 });
    expect(raised).toEqual([]);
  });
});
