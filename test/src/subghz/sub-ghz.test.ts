import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeChannel, encodeMask } from '../../../src/subghz/channel.js';
import { DEFAULT_CONFIGURATION, type SubGhzConfiguration, type SubGhzSettings } from '../../../src/subghz/configuration.js';
import { DUTY_CYCLE_WINDOW_MS, SUB_GHZ_ALERTS } from '../../../src/subghz/constants.js';
import { SubGhzError } from '../../../src/subghz/errors.js';
import { ESME, Fixture, GSME, PPMID } from './helpers.js';

const HOUR = DUTY_CYCLE_WINDOW_MS;
const COMMAND = { messageCode: 0x0062, originatorCounter: 0x1234n };

function configuration(settings: Partial<SubGhzSettings> = {}, channelMasks?: SubGhzConfiguration['channelMasks']): SubGhzConfiguration {
  return { channelMasks: channelMasks ?? [...DEFAULT_CONFIGURATION.channelMasks], settings: { ...DEFAULT_CONFIGURATION.settings, ...settings } };
}

let fx: Fixture;
beforeEach(async () => {
  fx = await Fixture.create({ channelLogCapacity: 3, capacity: 2 });
});
afterEach(async () => {
  await fx.dispose();
});

describe('DBCH03/DBCH04: the configuration', () => {
  it('sets a checked configuration durably and reports it whole in DBCH09', async () => {
    const next = configuration({ normalLimitedThreshold: 130, limitedCriticalThreshold: 220, suspendPeriod: 5 }, [0xe000_0006, 0xe800_0006, 0xf000_0006, 0xf800_0006]);
    await fx.state.setConfiguration(next);
    expect(fx.seen('configurationChanged')).toEqual([{ alertCode: 0x8f2a, at: fx.clock.now(), configuration: next }]);
    await fx.reopen();
    expect(fx.state.configuration()).toEqual(next);
  });

  it('refuses a bad configuration with a typed error naming the field, and changes nothing, on disk either', async () => {
    const before = fx.state.configuration();
    const bad = configuration({ suspendPeriod: 0 });
    await expect(fx.state.setConfiguration(bad)).rejects.toMatchObject({ code: 'SUB_GHZ_CONFIGURATION_INVALID', where: 'configuration.settings.suspendPeriod' });
    await expect(fx.state.setConfiguration({ channelMasks: [1, 2, 3, 4], settings: {} })).rejects.toBeInstanceOf(SubGhzError);
    expect(fx.state.configuration()).toEqual(before);
    expect(fx.seen('configurationChanged')).toEqual([]);
    await fx.reopen();
    expect(fx.state.configuration()).toEqual(before);
  });

  it('hands out copies: changing what it returned does not change the state', async () => {
    const copy = fx.state.configuration();
    copy.settings.suspendPeriod = 99;
    expect(fx.state.configuration().settings.suspendPeriod).toBe(DEFAULT_CONFIGURATION.settings.suspendPeriod);
  });
});

describe('DBCH01/DBCH02: the channel and the Channel Log', () => {
  it('has no channel until the network forms, then keeps it across a restart', async () => {
    expect(fx.state.currentChannel()).toBeNull();
    await fx.state.adoptChannel({ page: 28, channel: 0 });
    await fx.state.adoptChannel({ page: 28, channel: 0 });
    expect(fx.seen('channelChanged')).toEqual([{ alertCode: 0x8f26, at: fx.clock.now(), channel: { page: 28, channel: 0 } }]);
    await fx.reopen();
    expect(fx.state.currentChannel()).toEqual({ page: 28, channel: 0 });
    expect(await fx.state.readChannelLog()).toEqual([{ at: fx.clock.now(), channel: { page: 28, channel: 0 }, reason: 'formed' }]);
  });

  it('forms on the quietest allowed channel at first start, and puts the radio back on its channel at the next without logging again', async () => {
    for (const channel of [0, 1]) fx.radio.energy.set(encodeChannel({ page: 28, channel }), -60);
    expect(await fx.state.form()).toEqual({ page: 28, channel: 2 });
    expect(fx.radio.setChannels).toEqual([{ page: 28, channel: 2 }]);
    await fx.reopen();
    expect(await fx.state.form()).toEqual({ page: 28, channel: 2 });
    expect(fx.radio.scans).toBe(1);
    expect(fx.radio.setChannels).toEqual([{ page: 28, channel: 2 }, { page: 28, channel: 2 }]);
    expect(await fx.state.readChannelLog()).toEqual([{ at: fx.clock.now(), channel: { page: 28, channel: 2 }, reason: 'formed' }]);
  });

  it('forms on nothing when the radio fails its scan, so the hub starts no Sub GHz side', async () => {
    fx.radio.failNextScan = new Error('scan failed');
    await expect(fx.state.form()).rejects.toThrowError('scan failed');
    expect(fx.state.currentChannel()).toBeNull();
    expect(await fx.state.readChannelLog()).toEqual([]);
  });

  it('refuses a channel the pages do not have, logging nothing', async () => {
    await expect(fx.state.adoptChannel({ page: 29, channel: 9 })).rejects.toMatchObject({ code: 'SUB_GHZ_CHANNEL_INVALID' });
    expect(await fx.state.readChannelLog()).toEqual([]);
  });

  it('keeps only the newest entries up to its capacity, oldest overwritten, across a restart', async () => {
    for (let channel = 0; channel < 5; channel++) {
      await fx.state.adoptChannel({ page: 30, channel });
      await fx.clock.advance(1000);
    }
    await fx.reopen();
    const log = await fx.state.readChannelLog();
    expect(log.map((e) => e.channel.channel)).toEqual([2, 3, 4]);
    expect(log.map((e) => e.at)).toEqual([2000, 3000, 4000].map((ms) => Date.UTC(2026, 0, 1) + ms));
    expect(fx.state.currentChannel()).toEqual({ page: 30, channel: 4 });
  });
});

describe('DBCH05: channel scan requests', () => {
  beforeEach(async () => {
    await fx.state.setConfiguration(configuration({ minimumScanInterval: 600, maxChannelChangesPerDay: 1 }, [encodeMask(28, [0, 1, 2]), encodeMask(29, []), encodeMask(30, []), encodeMask(31, [])]));
    await fx.state.adoptChannel({ page: 28, channel: 0 });
    fx.radio.energy.set(encodeChannel({ page: 28, channel: 0 }), -60);
    fx.radio.energy.set(encodeChannel({ page: 28, channel: 1 }), -90);
    fx.radio.energy.set(encodeChannel({ page: 28, channel: 2 }), -75);
    fx.events.length = 0;
  });

  it('accepts (DBCH08), scans only the allowed channels, and moves to the quietest (DBCH07), logged with its reason', async () => {
    const result = await fx.state.requestScan();
    expect(result).toEqual({ assessment: { outcome: 'accepted' }, changedTo: { page: 28, channel: 1 } });
    const at = fx.clock.now();
    expect(fx.seen('scanRequestAssessed')).toEqual([{ alertCode: 0x8f28, at, assessment: { outcome: 'accepted' } }]);
    expect(fx.seen('channelChanged')).toEqual([{ alertCode: 0x8f26, at, channel: { page: 28, channel: 1 } }]);
    expect(fx.events.map((e) => e.name)).toEqual(['scanRequestAssessed', 'channelChanged']);
    expect(fx.radio.setChannels).toEqual([{ page: 28, channel: 1 }]);
    expect((await fx.state.readChannelLog()).at(-1)).toEqual({ at, channel: { page: 28, channel: 1 }, reason: 'scanRequested' });
  });

  it('refuses a request sooner than the minimum interval after the last scan, even after a restart, and accepts once it has passed', async () => {
    await fx.state.requestScan();
    await fx.clock.advance(599_000);
    await fx.reopen();
    const scans = fx.radio.scans;
    expect(await fx.state.requestScan()).toEqual({ assessment: { outcome: 'refused', reason: 'tooSoon' } });
    expect(fx.radio.scans).toBe(scans);
    expect(fx.seen('scanRequestAssessed').at(-1)).toMatchObject({ assessment: { outcome: 'refused', reason: 'tooSoon' } });
    await fx.clock.advance(1000);
    expect((await fx.state.requestScan()).assessment).toEqual({ outcome: 'accepted' });
  });

  it('stays put when the quietest channel is within the margin of the current one', async () => {
    fx.radio.energy.set(encodeChannel({ page: 28, channel: 1 }), -61);
    fx.radio.energy.set(encodeChannel({ page: 28, channel: 2 }), -62);
    expect(await fx.state.requestScan()).toEqual({ assessment: { outcome: 'accepted' }, keptBy: 'margin' });
    expect(fx.seen('channelChanged')).toEqual([]);
  });

  it('keeps the channel, with alert 0x8F2B, once the day already had its allowed channel changes', async () => {
    await fx.state.requestScan();
    await fx.clock.advance(600_000);
    fx.radio.energy.set(encodeChannel({ page: 28, channel: 1 }), -50);
    expect(await fx.state.requestScan()).toEqual({ assessment: { outcome: 'accepted' }, keptBy: 'frequencyAgility' });
    expect(fx.seen('channelKept')).toEqual([{ alertCode: 0x8f2b, at: fx.clock.now(), quieter: { page: 28, channel: 2 } }]);
    expect(fx.state.currentChannel()).toEqual({ page: 28, channel: 1 });
  });

  it('refuses while the hub is Critical, since a scan would spend airtime it must not use', async () => {
    await fx.state.setConfiguration(configuration({ normalLimitedThreshold: 1, limitedCriticalThreshold: 2, minimumScanInterval: 600 }));
    for (let i = 0; i < 5; i++) await fx.state.hubTransmitted(2047);
    expect(fx.state.dutyCycleLevel()).toBe('critical');
    expect(await fx.state.requestScan()).toEqual({ assessment: { outcome: 'refused', reason: 'dutyCycle' } });
  });

  it('refuses at once a request that arrives while a scan is running, and lets the running one finish', async () => {
    let release!: () => void;
    fx.radio.gate = new Promise((resolve) => (release = resolve));
    const first = fx.state.requestScan();
    await vi.waitFor(() => expect(fx.radio.scans).toBe(1));
    expect(await fx.state.requestScan()).toEqual({ assessment: { outcome: 'refused', reason: 'scanInProgress' } });
    release();
    expect(await first).toMatchObject({ changedTo: { page: 28, channel: 1 } });
    expect(fx.seen('scanRequestAssessed').map((e) => e.assessment)).toEqual([{ outcome: 'accepted' }, { outcome: 'refused', reason: 'scanInProgress' }]);
    expect(fx.radio.scans).toBe(1);
  });

  it("moves on the hub's own scan too, logged as interference, with no DBCH08", async () => {
    expect(await fx.state.scanForInterference()).toEqual({ changedTo: { page: 28, channel: 1 } });
    expect(fx.events.map((e) => e.name)).toEqual(['channelChanged']);
    expect((await fx.state.readChannelLog()).at(-1)).toMatchObject({ reason: 'interference' });
    expect((await fx.state.requestScan()).assessment).toEqual({ outcome: 'refused', reason: 'tooSoon' });
  });

  it('reports a radio failure during the scan and leaves the channel as it was', async () => {
    fx.radio.failNextScan = new Error('NCP unreachable');
    await expect(fx.state.requestScan()).rejects.toThrow('NCP unreachable');
    expect(fx.state.currentChannel()).toEqual({ page: 28, channel: 0 });
    await fx.clock.advance(600_000);
    expect((await fx.state.requestScan()).assessment).toEqual({ outcome: 'accepted' });
  });
});

describe('DBCH06/DBCH10: Devices paused for duty cycle', () => {
  beforeEach(async () => {
    // 0.01 % of the hour (360 ms): three of the largest frames.
    await fx.state.setConfiguration(configuration({ deviceDutyCycleLimit: 1, suspendPeriod: 5 }));
    fx.events.length = 0;
  });

  it('pauses a Device at its limit (DBCH06), discards commands for it (DBCH10) but not for others, across a restart', async () => {
    await fx.state.deviceTransmitted(GSME, 2047);
    await fx.state.deviceTransmitted(GSME, 2047);
    expect(fx.state.admitCommand(GSME, COMMAND)).toBe(true);
    await fx.state.deviceTransmitted(GSME, 2047);
    const at = fx.clock.now();
    expect(fx.seen('dutyCycleActionTaken')).toEqual([{ alertCode: SUB_GHZ_ALERTS.limitedDutyCycleActionTaken, at, eui64: GSME }]);
    expect(fx.seen('devicePaused')).toEqual([{ at, eui64: GSME, until: at + HOUR, cause: 'deviceLimit' }]);

    await fx.reopen();
    expect(fx.state.admitCommand('00-DB-12-34-56-78-90-A1', COMMAND)).toBe(false);
    expect(fx.seen('commandDiscarded')).toEqual([{ alertCode: 0x8f2c, at, eui64: GSME, command: COMMAND }]);
    expect(fx.state.admitCommand(ESME, COMMAND)).toBe(true);
    expect(fx.seen('commandDiscarded')).toHaveLength(1);
  });

  it('resumes the Device once its hour allows, on its own, and admits its commands again', async () => {
    for (let i = 0; i < 3; i++) await fx.state.deviceTransmitted(GSME, 2047);
    const resumed = once(fx.state, 'deviceResumed');
    await fx.clock.advance(HOUR - 1);
    expect(fx.state.admitCommand(GSME, COMMAND)).toBe(false);
    await fx.clock.advance(1);
    const [event] = (await resumed) as [{ eui64: string; at: number }];
    expect(event).toEqual({ eui64: GSME, at: fx.clock.now() });
    expect(fx.state.admitCommand(GSME, COMMAND)).toBe(true);
    expect(fx.state.pauseOf(GSME)).toBeUndefined();
    await fx.reopen();
    expect(fx.state.admitCommand(GSME, COMMAND)).toBe(true);
  });

  it('reports a pause it could not end on disk as `failed`, and announces no resume', async () => {
    for (let i = 0; i < 3; i++) await fx.state.deviceTransmitted(GSME, 2047);
    await fx.store.close();
    const failed = once(fx.state, 'failed');
    await fx.clock.advance(HOUR);
    const [failure] = (await failed) as [{ doing: string; error: Error }];
    expect(failure.doing).toBe('ending duty-cycle pauses');
    expect(failure.error).toMatchObject({ code: 'STORE_CLOSED' });
    expect(fx.seen('deviceResumed')).toEqual([]);
  });

  it('refuses a bad EUI-64 or frame length with a typed error and records nothing', async () => {
    await expect(fx.state.deviceTransmitted('not-an-eui', 10)).rejects.toMatchObject({ code: 'SUB_GHZ_DEVICE_INVALID', where: 'eui64' });
    await expect(fx.state.deviceTransmitted(GSME, 0)).rejects.toMatchObject({ code: 'SUB_GHZ_FRAME_INVALID' });
    await expect(fx.state.hubTransmitted(4096)).rejects.toMatchObject({ code: 'SUB_GHZ_FRAME_INVALID' });
    expect(() => fx.state.admitCommand('00DB', COMMAND)).toThrow(expect.objectContaining({ code: 'SUB_GHZ_DEVICE_INVALID' }));
    expect(() => fx.state.mayHubTransmit(0)).toThrow(expect.objectContaining({ code: 'SUB_GHZ_FRAME_INVALID' }));
    expect(fx.state.usage(GSME)).toBe(0);
    expect(fx.state.usage()).toBe(0);
  });

  it("pauses the most talkative Device when the hub's own hour reaches Limited, and reports Critical once (0x8F22)", async () => {
    await fx.state.setConfiguration(configuration({ normalLimitedThreshold: 1, limitedCriticalThreshold: 2, deviceDutyCycleLimit: 100 }));
    await fx.state.admitJoin(PPMID);
    await fx.state.deviceTransmitted(ESME, 100);
    await fx.state.deviceTransmitted(GSME, 900);
    fx.events.length = 0;
    for (let i = 0; i < 5; i++) await fx.state.hubTransmitted(2047);
    expect(fx.seen('dutyCycleActionTaken').map((e) => e.eui64)).toEqual([GSME]);
    expect(fx.seen('dutyCycleLevelChanged').map((e) => [e.from, e.to, e.alertCode])).toEqual([
      ['normal', 'limited', undefined],
      ['limited', 'critical', 0x8f22],
    ]);
    expect(fx.seen('devicePaused').filter((p) => p.cause === 'critical').map((p) => p.eui64).sort()).toEqual([ESME, PPMID].sort());
    expect(fx.state.admitCommand(PPMID, COMMAND)).toBe(false);
  });
});

describe('DBCH11: Sub GHz capacity', () => {
  it('admits Devices up to capacity, refuses the next with DBCH11, and makes room when one leaves, across a restart', async () => {
    expect(await fx.state.admitJoin(ESME)).toBe(true);
    expect(await fx.state.admitJoin(GSME)).toBe(true);
    expect(await fx.state.admitJoin(ESME)).toBe(true);
    expect(await fx.state.admitJoin(PPMID)).toBe(false);
    expect(fx.seen('capacityExhausted')).toEqual([{ alertCode: 0x8f2d, at: fx.clock.now(), eui64: PPMID }]);
    await fx.reopen();
    expect(fx.state.memberCount()).toBe(2);
    expect(await fx.state.admitJoin(PPMID)).toBe(false);
    await fx.state.deviceLeft(ESME);
    expect(await fx.state.admitJoin(PPMID)).toBe(true);
    expect(fx.seen('capacityExhausted').map((e) => e.eui64)).toEqual([PPMID, PPMID]);
  });

  it('refuses a malformed EUI-64 without counting it', async () => {
    await expect(fx.state.admitJoin('00DB')).rejects.toMatchObject({ code: 'SUB_GHZ_DEVICE_INVALID' });
    expect(fx.state.memberCount()).toBe(0);
  });
});
