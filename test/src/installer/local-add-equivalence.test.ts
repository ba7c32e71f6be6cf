import { EventEmitter } from 'node:events';
import type { JoinWindows } from '../../../src/chf/join-window.js';
import { afterEach, expect, it } from 'vitest';
import { decodeMessage } from '../../../src/gbcs/index.js';
import { CS14 } from '../../../src/gbcs/payload/dlms/index.js';
import { JoinProgress } from '../../../src/installer/join-progress.js';
import { parseLabel } from '../../../src/installer/label.js';
import { Pairing } from '../../../src/installer/pairing.js';
import { HUB_EVENTS } from '../../../src/logs/event-codes.js';
import { ConformanceHub, vectorNamed } from '../../conformance/harness.js';
import { describeRtds } from '../../helpers/rtds.js';

/**
 * A Device added at the hub (`hub pair add`, the installer page) is the same Device as one its
 * supplier's CCS01 added: the same Device Log entry, and the same CS14 alert, byte for byte, when
 * both hubs stand at the same time and counter (the RTDS CCS01 vector, MACed with the RTDS keys).
 */
const ESME = '00DB1234567890A0';
const SEED = { seed: { now: '2015-01-01T00:00:00Z', counters: { own: 41 } }, han: 'radio' as const };

const harnesses: ConformanceHub[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

function pairingOn(harness: ConformanceHub): Pairing {
  const { chf } = harness.hub;
  const joinProgress = new JoinProgress({ clock: harness.clock, deviceLog: chf.deviceLog, joinWindows: (chf.joinWindows as JoinWindows), admission: new EventEmitter(), alerts: harness.hub.router.alerts, relay: new EventEmitter() });
  return new Pairing({ config: { mode: 'local-add', joinTimeoutSeconds: 3600 }, clock: harness.clock, deviceLog: chf.deviceLog, joinWindows: (chf.joinWindows as JoinWindows), joinProgress, eventLog: chf.eventLog, radio: new EventEmitter() });
}

describeRtds('a local add and a CCS01 add', () => {
  it('make the same Device Log entry and the same CS14 alert bytes; the local one is in the Event Log', async () => {
    const byCommand = await ConformanceHub.open(SEED);
    harnesses.push(byCommand);
    const outcome = await byCommand.process(vectorNamed('CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX').bytes);
    expect(outcome.kind).toBe('answered');
    const [commandAlert] = outcome.alerts;
    const entry = byCommand.hub.chf.deviceLog.get(ESME)!;
    const installCode = entry.installCode!.toString('hex');

    const atHub = await ConformanceHub.open(SEED);
    harnesses.push(atHub);
    const pairing = pairingOn(atHub);
    const added = await pairing.add(parseLabel(`Z:${ESME}$I:${installCode}`), 'ESME', 'page');
    expect(added.added).toBe(true);
    await atHub.hub.router.alerts.idle();
    const [localAlert] = atHub.looseAlerts;

    expect(atHub.hub.chf.deviceLog.get(ESME)).toEqual(entry);
    expect(localAlert!.messageCode).toBe(commandAlert!.messageCode);
    expect(localAlert!.bytes.toString('hex')).toBe(commandAlert!.bytes.toString('hex'));
    expect(CS14.decode(decodeMessage(localAlert!.bytes).payload).body.devices).toEqual([{ deviceId: ESME, hashedTcLinkKey: Buffer.alloc(0) }]);

    const events = await atHub.hub.chf.eventLog.newest();
    const codes = events.map((e) => e.code);
    expect(codes).toContain(HUB_EVENTS.localDeviceAdded.code);
    expect(codes).toContain(HUB_EVENTS.localJoinWindowOpened.code);
    expect(events.find((e) => e.code === HUB_EVENTS.localDeviceAdded.code)?.detail).toEqual({ eui64: ESME, deviceType: 'ESME', via: 'page' });
    expect(JSON.stringify(events)).not.toContain(installCode);
    pairing.stop();
  });

  it('in watch mode: a Device CCS01 added is re-opened with its label, anything else is refused and logged', async () => {
    const harness = await ConformanceHub.open(SEED);
    harnesses.push(harness);
    await harness.process(vectorNamed('CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX').bytes);
    const code = harness.hub.chf.deviceLog.get(ESME)!.installCode!.toString('hex');
    const { chf } = harness.hub;
    const joinProgress = new JoinProgress({ clock: harness.clock, deviceLog: chf.deviceLog, joinWindows: (chf.joinWindows as JoinWindows), admission: new EventEmitter(), alerts: harness.hub.router.alerts, relay: new EventEmitter() });
    const watch = new Pairing({ config: { mode: 'watch', joinTimeoutSeconds: 300 }, clock: harness.clock, deviceLog: chf.deviceLog, joinWindows: (chf.joinWindows as JoinWindows), joinProgress, eventLog: chf.eventLog, radio: new EventEmitter() });

    expect(watch.check(parseLabel(`${ESME}|${code}`))).toMatchObject({ inDeviceLog: true, codeMatches: true, action: 'reopen' });
    const reopened = await watch.add(parseLabel(`${ESME}|${code}`), undefined, 'cli');
    // The CCS01 vector's own join_timeout, re-used.
    expect(reopened.added).toBe(false);
    expect(reopened.plan.reduce((total, step) => total + step.durationMs, 0)).toBe((chf.joinWindows as JoinWindows).lastJoinTimeout(ESME)! * 1000);

    const other = '00DB1234567890A9';
    await expect(watch.add(parseLabel(`${other}|${code}`), 'ESME', 'cli')).rejects.toMatchObject({ code: 'NOT_WHITELISTED' });
    expect(chf.deviceLog.has(other)).toBe(false);
    expect(joinProgress.journey(other)?.steps.at(-1)).toMatchObject({ stage: 'failed', failure: 'notWhitelisted' });
    const wrong = parseLabel(`${ESME}|0102030405060708090A0B0C0D0E0F1090FD`);
    await expect(watch.add(wrong, undefined, 'cli')).rejects.toMatchObject({ code: 'LABEL_WRONG_INSTALL_CODE' });
    await expect(watch.remove(ESME, 'cli')).rejects.toMatchObject({ code: 'PAIR_WATCH_MODE' });
    expect(chf.deviceLog.has(ESME)).toBe(true);
    const refusals = (await chf.eventLog.newest()).filter((e) => e.code === HUB_EVENTS.localActionRefused.code);
    expect(refusals).toHaveLength(3);
    watch.stop();
  });
});
