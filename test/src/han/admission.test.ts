import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { aesMmoHash, linkKeyFromInstallCode } from '../../../hal/install-code.js';
import { JoinWindows } from '../../../src/chf/join-window.js';
import { AdmissionError, HanAdmission, type AdmissionSecurityEvent } from '../../../src/han/admission.js';
import { eui, installCode, openLog, rejection, TempStore } from '../chf/helpers.js';
import { RadioDouble } from './admission-radio-double.js';

let temp: TempStore;
beforeEach(async () => {
  temp = await TempStore.create();
});
afterEach(async () => {
  await temp.dispose();
});

async function rig() {
  const clock = new ManualClock();
  const { log, changes } = await openLog(temp, clock);
  const radio = new RadioDouble(clock);
  await radio.formNetwork({});
  const security: Array<{ code: AdmissionSecurityEvent; eui64: string; reason: string }> = [];
  const admission = new HanAdmission({ radio, log, clock, security: { record: (code, detail) => void security.push({ code, ...detail }) } });
  admission.start();
  const windows = new JoinWindows(log, admission, clock);
  const joins: Array<{ eui64: string; phase: string; resumedWithHistoricKey: boolean }> = [];
  windows.on('joined', (event) => joins.push(event));
  const add = (n: number, deviceType = 'ESME') => log.add({ eui64: eui(n), deviceType, installCode: installCode(n) });
  const icKey = (n: number) => linkKeyFromInstallCode(installCode(n));
  /** The Device tries to join; resolves once admission has recorded the key (or at once when refused). */
  const join = async (n: number, key: Buffer, options: { resume?: boolean } = {}) => {
    const recorded = once(admission, 'linkKeyEstablished');
    if (!radio.attemptJoin(eui(n), key, options)) return false;
    await recorded;
    await admission.settled();
    return true;
  };
  return { clock, log, changes, radio, admission, windows, security, joins, add, icKey, join };
}

describe('join window (CCS01) through HAN admission', () => {
  it('a Device with no history may join with its install-code key for the whole join_timeout', async () => {
    const { clock, log, radio, windows, joins, add, icKey, join, changes } = await rig();
    await add(1);
    await expect(windows.open(eui(1), 90)).resolves.toEqual([{ phase: 'installCode', durationMs: 90_000 }]);
    expect(radio.joiningOpenFor()).toEqual([eui(1)]);
    await clock.advance(89_000);
    expect(radio.joiningOpenFor()).toEqual([eui(1)]);
    await expect(join(1, icKey(1))).resolves.toBe(true);
    expect(joins).toEqual([{ eui64: eui(1), phase: 'installCode', resumedWithHistoricKey: false }]);
    const key = radio.joined.get(eui(1))!.tcLinkKey;
    expect(log.get(eui(1))?.tcLinkKey?.equals(key)).toBe(true);
    expect(changes.at(-1)).toMatchObject({ kind: 'linkKeyChanged', eui64s: [eui(1)] });
    expect(changes.at(-1)!.devices[0]!.hashedTcLinkKey.equals(aesMmoHash(key))).toBe(true);
    // The window has served: joining is closed again.
    expect(radio.joiningOpenFor()).toEqual([]);
  });

  it('a Device with no history that misses the window is refused, and the refusal is recorded', async () => {
    const { clock, windows, security, add, icKey, join } = await rig();
    await add(1);
    const expired = once(windows, 'expired');
    await windows.open(eui(1), 90);
    await clock.advance(90_000);
    await expired;
    await expect(join(1, icKey(1))).resolves.toBe(false);
    expect(security).toEqual([{ code: 'JOIN_REFUSED_OUTSIDE_WINDOW', eui64: eui(1), reason: 'JOINING_CLOSED' }]);
  });

  async function historicDevice(env: Awaited<ReturnType<typeof rig>>): Promise<Buffer> {
    await env.add(1);
    await env.windows.open(eui(1), 60);
    await env.join(1, env.icKey(1));
    const oldKey = env.radio.joined.get(eui(1))!.tcLinkKey;
    await env.log.remove(eui(1));
    await env.admission.settled();
    expect(env.log.historic.get(eui(1))?.tcLinkKey.equals(oldKey)).toBe(true);
    await env.add(1);
    env.changes.length = 0;
    env.joins.length = 0;
    return oldKey;
  }

  it('first half: a historic Device resumes with its old key only; the key moves into the log and a change is emitted', async () => {
    const env = await rig();
    const oldKey = await historicDevice(env);
    await expect(env.windows.open(eui(1), 120)).resolves.toEqual([
      { phase: 'historicKey', durationMs: 60_000 },
      { phase: 'installCode', durationMs: 60_000 },
    ]);
    await env.clock.advance(30_000);
    // Its install-code key is not accepted in the first half.
    await expect(env.join(1, env.icKey(1))).resolves.toBe(false);
    expect(env.security.at(-1)).toMatchObject({ code: 'JOIN_REFUSED_OUTSIDE_WINDOW', reason: 'WRONG_KEY' });
    await expect(env.join(1, oldKey, { resume: true })).resolves.toBe(true);
    expect(env.joins).toEqual([{ eui64: eui(1), phase: 'historicKey', resumedWithHistoricKey: true }]);
    expect(env.log.get(eui(1))?.tcLinkKey?.equals(oldKey)).toBe(true);
    expect(env.log.historic.has(eui(1))).toBe(false);
    expect(env.changes.map((c) => c.kind)).toEqual(['linkKeyChanged']);
    expect(env.changes[0]!.devices[0]!.hashedTcLinkKey.equals(aesMmoHash(oldKey))).toBe(true);
    // No second half: the window is over.
    await env.clock.advance(60_000);
    expect(env.windows.phaseOf(eui(1))).toBeUndefined();
    expect(env.radio.joiningOpenFor()).toEqual([]);
  });

  it('second half: a historic Device that did not resume may join with its install code, and the old key no longer works', async () => {
    const env = await rig();
    const oldKey = await historicDevice(env);
    await env.windows.open(eui(1), 120);
    await env.clock.advance(60_000);
    expect(env.windows.phaseOf(eui(1))).toBe('installCode');
    await expect(env.join(1, oldKey, { resume: true })).resolves.toBe(false);
    await expect(env.join(1, env.icKey(1))).resolves.toBe(true);
    expect(env.joins).toEqual([{ eui64: eui(1), phase: 'installCode', resumedWithHistoricKey: false }]);
    const newKey = env.radio.joined.get(eui(1))!.tcLinkKey;
    expect(newKey.equals(oldKey)).toBe(false);
    expect(env.log.get(eui(1))?.tcLinkKey?.equals(newKey)).toBe(true);
  });

  it('refuses a join_timeout outside 1..65535 and a Device not in the log, opening nothing', async () => {
    const { windows, radio, add, admission } = await rig();
    await add(1);
    expect((await rejection(windows.open(eui(1), 0))).code).toBe('JOIN_TIMEOUT_INVALID');
    expect((await rejection(windows.open(eui(2), 60))).code).toBe('DEVICE_NOT_IN_LOG');
    const direct = await rejection(admission.openWindow(eui(2), Buffer.alloc(16), 1000));
    expect(direct).toBeInstanceOf(AdmissionError);
    expect(direct.code).toBe('NOT_IN_DEVICE_LOG');
    expect(radio.permitCalls).toEqual([]);
  });
});

describe('HAN admission', () => {
  it('refuses a Device that is not in the log, records it in the security sink, and never admits it', async () => {
    const { windows, security, add, icKey, join, admission, radio } = await rig();
    await add(1);
    await windows.open(eui(1), 60);
    await expect(join(66, icKey(66))).resolves.toBe(false);
    expect(security).toEqual([{ code: 'JOIN_REFUSED_NOT_IN_LOG', eui64: eui(66), reason: 'NO_KEY' }]);
    expect(admission.isAdmitted(eui(66))).toBe(false);
    expect(admission.isAdmitted(eui(1))).toBe(true);
    expect(radio.joined.has(eui(66))).toBe(false);
  });

  it('merges concurrent windows into one radio window, each Device only with its own key and only for its own time', async () => {
    const { clock, radio, windows, add, icKey, join } = await rig();
    await add(1);
    await add(2);
    await windows.open(eui(1), 60);
    await clock.advance(10_000);
    await windows.open(eui(2), 200);
    expect(radio.joiningOpenFor()).toEqual([eui(1), eui(2)]);
    expect(radio.permitCalls.at(-1)).toMatchObject({ eui64s: [eui(1), eui(2)], seconds: 200 });
    // Each Device only with its own key.
    await expect(join(1, icKey(2))).resolves.toBe(false);
    // Device 1's window ends at 60 s; device 2 stays allowed.
    await clock.advance(50_000);
    expect(radio.joiningOpenFor()).toEqual([eui(2)]);
    await expect(join(1, icKey(1))).resolves.toBe(false);
    await clock.advance(149_000);
    expect(radio.joiningOpenFor()).toEqual([eui(2)]);
    await clock.advance(1_000);
    expect(radio.joiningOpenFor()).toEqual([]);
    expect(radio.closeCalls).toBe(1);
  });

  it('keeps a window longer than the radio allows open by re-arming it, never asking for more than 254 s', async () => {
    const { clock, radio, windows, add } = await rig();
    await add(1);
    await windows.open(eui(1), 600);
    for (let t = 0; t < 599; t += 50) {
      expect(radio.joiningOpenFor()).toEqual([eui(1)]);
      await clock.advance(50_000);
    }
    await clock.advance(50_000);
    expect(radio.joiningOpenFor()).toEqual([]);
    expect(radio.permitCalls.map((c) => c.seconds)).toEqual([254, 254, 92]);
  });

  it('removes a Device from the network when it leaves the log, and forgets it', async () => {
    const { log, radio, windows, add, icKey, join, admission } = await rig();
    await add(1);
    await windows.open(eui(1), 60);
    await join(1, icKey(1));
    expect(radio.joined.has(eui(1))).toBe(true);
    const removed = once(admission, 'deviceRemoved');
    await log.remove(eui(1));
    await removed;
    expect(radio.joined.has(eui(1))).toBe(false);
    expect(admission.isAdmitted(eui(1))).toBe(false);
    await expect(radio.send(eui(1))).resolves.toEqual({ delivered: false, reason: 'NOT_JOINED' });
  });

  it('closes the window of a Device removed while its window is open, and opens no second half for it', async () => {
    const env = await rig();
    const { log, radio, windows, admission, clock } = env;
    await env.add(2);
    const failures: unknown[] = [];
    windows.on('failed', (f) => failures.push(f));
    // Device 1 is historic, so its window has two halves.
    await env.add(1);
    await windows.open(eui(1), 60);
    await env.join(1, env.icKey(1));
    await log.remove(eui(1));
    await env.add(1);
    await windows.open(eui(1), 120);
    await windows.open(eui(2), 120);
    await log.remove(eui(1));
    await admission.settled();
    expect(windows.phaseOf(eui(1))).toBeUndefined();
    expect(radio.joiningOpenFor()).toEqual([eui(2)]);
    await clock.advance(60_000);
    expect(radio.joiningOpenFor()).toEqual([eui(2)]);
    expect(failures).toEqual([]);
  });

  it('removes and records a Device the radio let in without a window, and does not record its key', async () => {
    const { log, radio, admission, security, add } = await rig();
    await add(1);
    const removed = once(admission, 'deviceRemoved');
    radio.forceJoin(eui(1));
    await removed;
    expect(radio.joined.has(eui(1))).toBe(false);
    expect(log.get(eui(1))?.tcLinkKey).toBeUndefined();
    expect(security).toEqual([{ code: 'JOINED_WITHOUT_ADMISSION', eui64: eui(1), reason: 'no join window was open for it' }]);
    const stranger = once(admission, 'deviceRemoved');
    radio.forceJoin(eui(70));
    await stranger;
    expect(security.at(-1)).toEqual({ code: 'JOINED_WITHOUT_ADMISSION', eui64: eui(70), reason: 'not in the CHF Device Log' });
    expect(security).toHaveLength(2);
  });

  it('notes last communication from incoming messages, only for Devices in the log', async () => {
    const { clock, log, radio, windows, add, icKey, join } = await rig();
    await add(1);
    await windows.open(eui(1), 60);
    await join(1, icKey(1));
    await clock.advance(5_000);
    radio.deliver(eui(1), -67);
    radio.deliver(eui(77), -50);
    expect(log.get(eui(1))).toMatchObject({ lastCommunication: clock.now(), signalStrength: -67 });
    expect(log.has(eui(77))).toBe(false);
  });

  it('stops cleanly: detaches, closes joining, and ignores radio events afterwards', async () => {
    const { radio, windows, add, admission, security } = await rig();
    await add(1);
    await windows.open(eui(1), 60);
    windows.stop();
    await admission.stop();
    expect(radio.joiningOpenFor()).toEqual([]);
    radio.emit('joinRefused', { eui64: eui(9), reason: 'NO_KEY' });
    expect(security).toEqual([]);
  });
});
