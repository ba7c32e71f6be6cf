import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { aesMmoHash } from '../../../hal/install-code.js';
import { createBackup, parseBackup, restoreAndFormNetwork, restoreDeviceLog, type DeviceLogBackup } from '../../../src/chf/backup.js';
import { DEVICE_LOG_CAPACITY } from '../../../src/chf/device-log.js';
import { DeviceLogError } from '../../../src/chf/errors.js';
import { RadioDouble } from '../han/admission-radio-double.js';
import { eui, installCode, openLog, rejection, TempStore } from './helpers.js';

let temp: TempStore;
let other: TempStore;
beforeEach(async () => {
  temp = await TempStore.create();
  other = await TempStore.create();
});
afterEach(async () => {
  await temp.dispose();
  await other.dispose();
});

/** A backup taken on "another hub": three Devices, one with an established key. */
async function backupFromAnotherHub(): Promise<{ backup: DeviceLogBackup; key: Buffer }> {
  const { log } = await openLog(other);
  await log.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) });
  await log.add({ eui64: eui(2), deviceType: 'GSME', installCode: installCode(2) });
  await log.add({ eui64: eui(3), deviceType: 'GPF' });
  const key = randomBytes(16);
  await log.recordLinkKey(eui(1), key);
  return { backup: createBackup(log, Date.UTC(2026, 0, 2)), key };
}

describe('Device Log backup and restore (CCS03)', () => {
  it('exports EUIs, types and hashed keys, never install codes or keys', async () => {
    const { backup, key } = await backupFromAnotherHub();
    expect(backup.devices).toEqual([
      { eui64: eui(1), deviceType: 'ESME', hashedTcLinkKey: aesMmoHash(key).toString('hex') },
      { eui64: eui(2), deviceType: 'GSME', hashedTcLinkKey: '' },
      { eui64: eui(3), deviceType: 'GPF', hashedTcLinkKey: '' },
    ]);
    const text = JSON.stringify(backup);
    expect(text).not.toContain(key.toString('hex'));
    expect(text).not.toContain(installCode(1).toString('hex'));
  });

  it('restores another hub\'s backup (round trip through JSON), durably, replacing the log, with one change event', async () => {
    const { backup } = await backupFromAnotherHub();
    const { log, changes } = await openLog(temp);
    await log.add({ eui64: eui(9), deviceType: 'PPMID', installCode: installCode(9) });
    changes.length = 0;
    await restoreDeviceLog(log, JSON.stringify(backup));
    expect(log.list().map((e) => [e.eui64, e.deviceType, e.installCode, e.tcLinkKey])).toEqual([
      [eui(1), 'ESME', undefined, undefined],
      [eui(2), 'GSME', undefined, undefined],
      [eui(3), 'GPF', undefined, undefined],
    ]);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'restored' });
    expect([...changes[0]!.eui64s].sort()).toEqual([eui(1), eui(2), eui(3), eui(9)]);

    await temp.reopen();
    const { log: again } = await openLog(temp);
    expect(again.list().map((e) => e.eui64)).toEqual([eui(1), eui(2), eui(3)]);
    // A restored Device takes the install code the next CCS01 gives, as it has no other way to join.
    await expect(again.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) })).resolves.toEqual({ added: false, installCodeTaken: true });
    expect(again.get(eui(1))?.installCode?.equals(installCode(1))).toBe(true);
  });

  it('refuses a corrupted backup and changes nothing', async () => {
    const { backup } = await backupFromAnotherHub();
    const { log, changes } = await openLog(temp);
    await log.add({ eui64: eui(9), deviceType: 'PPMID', installCode: installCode(9) });
    changes.length = 0;
    const edited = structuredClone(backup);
    edited.devices[1]!.eui64 = eui(7);
    const error = await rejection(restoreDeviceLog(log, edited));
    expect(error).toBeInstanceOf(DeviceLogError);
    expect(error.code).toBe('BACKUP_CORRUPT');
    const truncated = JSON.stringify(backup).slice(0, -20);
    expect((await rejection(restoreDeviceLog(log, truncated))).code).toBe('BACKUP_INVALID');
    expect(log.list().map((e) => e.eui64)).toEqual([eui(9)]);
    expect(changes).toEqual([]);
    await temp.reopen();
    expect((await openLog(temp)).log.list().map((e) => e.eui64)).toEqual([eui(9)]);
  });

  it('refuses invalid content before looking at the digest, naming where', async () => {
    const { log } = await openLog(temp);
    const withDevices = (devices: unknown[]) => ({ format: 'gb-chf-device-log-backup', version: 1, takenAt: '2026-01-01T00:00:00.000Z', devices, digest: '' });
    const cases: Array<[unknown, string]> = [
      [null, 'backup'],
      [{ ...withDevices([]), format: 'other' }, 'backup format'],
      [{ ...withDevices([]), version: 2 }, 'backup version'],
      [withDevices([{ eui64: 'nope', deviceType: 'ESME', hashedTcLinkKey: '' }]), 'backup devices[0]'],
      [withDevices([{ eui64: eui(1), deviceType: 'CHF', hashedTcLinkKey: '' }]), 'backup devices[0]'],
      [withDevices([{ eui64: eui(1), deviceType: 'ESME', hashedTcLinkKey: 'abcd' }]), 'backup devices[0]'],
      [withDevices([{ eui64: eui(1), deviceType: 'ESME', hashedTcLinkKey: '' }, { eui64: eui(1), deviceType: 'ESME', hashedTcLinkKey: '' }]), 'backup devices[1]'],
      [withDevices(Array.from({ length: DEVICE_LOG_CAPACITY + 1 }, (_, i) => ({ eui64: eui(i + 1), deviceType: 'Type2', hashedTcLinkKey: '' }))), 'backup devices'],
    ];
    for (const [input, where] of cases) {
      const error = await rejection(restoreDeviceLog(log, input));
      expect(error.code, where).toBe('BACKUP_INVALID');
      expect((error as DeviceLogError).where).toBe(where);
    }
    expect(log.size).toBe(0);
  });

  it('never accepts a backup with any single byte changed (property)', async () => {
    const { backup } = await backupFromAnotherHub();
    const text = JSON.stringify(backup);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length - 1 }), fc.integer({ min: 1, max: 94 }), (at, shift) => {
        const changed = text.slice(0, at) + String.fromCharCode(((text.charCodeAt(at) - 32 + shift) % 95) + 32) + text.slice(at + 1);
        try {
          const parsed = parseBackup(changed, DEVICE_LOG_CAPACITY);
          // Only a change JSON does not see (e.g. whitespace-equivalent) may pass, and then the content is identical.
          expect(parsed).toEqual(parseBackup(text, DEVICE_LOG_CAPACITY));
        } catch (error) {
          expect(error).toBeInstanceOf(DeviceLogError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('restores, then forms the network with the extended PAN id given; a bad id changes nothing', async () => {
    const { backup } = await backupFromAnotherHub();
    const clock = new ManualClock();
    const { log } = await openLog(temp, clock);
    const radio = new RadioDouble(clock);
    expect((await rejection(restoreAndFormNetwork(log, radio, backup, 'XYZ'))).code).toBe('EXTENDED_PAN_ID_INVALID');
    expect(log.size).toBe(0);
    expect(radio.networkInfo()).toBeNull();
    const { network } = await restoreAndFormNetwork(log, radio, backup, '00-DB-12-34-56-78-9A-BC');
    expect(network.extendedPanId).toBe('00DB123456789ABC');
    expect(log.size).toBe(3);
  });
});
