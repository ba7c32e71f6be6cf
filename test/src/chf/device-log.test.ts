import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { aesMmoHash, InstallCodeError } from '../../../hal/install-code.js';
import { DEVICE_LOG_CAPACITY, LAST_COMMUNICATION_FLUSH_MS } from '../../../src/chf/device-log.js';
import { DeviceLogError } from '../../../src/chf/errors.js';
import { eui, installCode, openLog, rejection, TempStore } from './helpers.js';

let temp: TempStore;
beforeEach(async () => {
  temp = await TempStore.create();
});
afterEach(async () => {
  await temp.dispose();
});

describe('DeviceLog add', () => {
  it('adds a Device, readable at once and after the store is reopened', async () => {
    const { log, clock } = await openLog(temp);
    await expect(log.add({ eui64: '00-DB-12-34-56-78-00-01', deviceType: 'esme', installCode: installCode(1) })).resolves.toEqual({ added: true });
    const entry = log.get(eui(1));
    expect(entry).toMatchObject({ eui64: eui(1), deviceType: 'ESME', addedAt: clock.now() });
    expect(entry?.installCode?.equals(installCode(1))).toBe(true);
    expect(entry?.tcLinkKey).toBeUndefined();

    await temp.reopen();
    const { log: again } = await openLog(temp);
    expect(again.get(eui(1))?.installCode?.equals(installCode(1))).toBe(true);
    expect(again.list().map((e) => e.eui64)).toEqual([eui(1)]);
  });

  it('answers success for a Device already present and keeps its link key untouched; its install code goes once the key is established', async () => {
    const { log, changes } = await openLog(temp);
    await log.add({ eui64: eui(1), deviceType: 'GSME', installCode: installCode(1) });
    await expect(log.add({ eui64: eui(1), deviceType: 'GSME', installCode: installCode(9) })).resolves.toEqual({ added: false, installCodeTaken: false });
    expect(log.get(eui(1))?.installCode?.equals(installCode(1))).toBe(true);
    const key = randomBytes(16);
    await log.recordLinkKey(eui(1), key);
    // PERSONAL_DATA keeps an install code only until the link key is established.
    expect(log.get(eui(1))?.installCode).toBeUndefined();
    changes.length = 0;

    // A later CCS01 gives it a code to open joining with again; the link key stays as it was.
    await expect(log.add({ eui64: eui(1), deviceType: 'GSME', installCode: installCode(9) })).resolves.toEqual({ added: false, installCodeTaken: true });
    expect(log.get(eui(1))?.tcLinkKey?.equals(key)).toBe(true);
    expect(log.get(eui(1))?.installCode?.equals(installCode(9))).toBe(true);
    expect(changes).toEqual([]);

    await temp.reopen();
    const { log: again } = await openLog(temp);
    expect(again.get(eui(1))?.tcLinkKey?.equals(key)).toBe(true);
    expect(again.get(eui(1))?.installCode?.equals(installCode(9))).toBe(true);
    await expect(again.dropSpentInstallCodes()).resolves.toBe(1);
    await expect(again.dropSpentInstallCodes()).resolves.toBe(0);
    expect(again.get(eui(1))?.installCode).toBeUndefined();
    expect(again.get(eui(1))?.tcLinkKey?.equals(key)).toBe(true);
  });

  it('refuses bad input with a typed error and changes nothing', async () => {
    const { log, changes } = await openLog(temp);
    const badCrc = Buffer.from(installCode(2));
    badCrc[badCrc.length - 1]! ^= 0xff;
    const cases: Array<[Promise<unknown>, string]> = [
      [log.add({ eui64: '00DB12', deviceType: 'ESME', installCode: installCode(2) }), 'BAD_EUI64'],
      [log.add({ eui64: eui(2), deviceType: 'toaster', installCode: installCode(2) }), 'DEVICE_TYPE_UNKNOWN'],
      // The not-yet-known state is for restored Devices only: no request may name it.
      [log.add({ eui64: eui(2), deviceType: 'unknown', installCode: installCode(2) }), 'DEVICE_TYPE_UNKNOWN'],
      [log.add({ eui64: eui(2), deviceType: 'CHF', installCode: installCode(2) }), 'DEVICE_TYPE_NOT_LOGGABLE'],
      [log.add({ eui64: eui(2), deviceType: 'ESME', installCode: badCrc }), 'INSTALL_CODE_BAD_CRC'],
      [log.add({ eui64: eui(2), deviceType: 'PPMID' }), 'INSTALL_CODE_MISSING'],
    ];
    for (const [promise, code] of cases) expect((await rejection(promise)).code).toBe(code);
    const crcError = await rejection(log.add({ eui64: eui(2), deviceType: 'ESME', installCode: badCrc }));
    expect(crcError).toBeInstanceOf(InstallCodeError);
    expect(crcError.message).not.toContain(badCrc.toString('hex'));
    expect(log.size).toBe(0);
    expect(changes).toEqual([]);
    await temp.reopen();
    expect((await openLog(temp)).log.size).toBe(0);
  });

  it('accepts a GPF without an install code (it does not join the HAN)', async () => {
    const { log } = await openLog(temp);
    await expect(log.add({ eui64: eui(3), deviceType: 'GPF' })).resolves.toEqual({ added: true });
  });

  it(`refuses a Device beyond its capacity of ${DEVICE_LOG_CAPACITY}, clearly and without writing`, async () => {
    const { log, changes } = await openLog(temp);
    for (let n = 1; n <= DEVICE_LOG_CAPACITY; n++) await log.add({ eui64: eui(n), deviceType: 'Type2', installCode: installCode(n) });
    const error = await rejection(log.add({ eui64: eui(99), deviceType: 'ESME', installCode: installCode(99) }));
    expect(error).toBeInstanceOf(DeviceLogError);
    expect(error.code).toBe('DEVICE_LOG_FULL');
    expect(error.message).toContain(`maximum of ${DEVICE_LOG_CAPACITY}`);
    expect(log.has(eui(99))).toBe(false);
    expect(changes).toHaveLength(DEVICE_LOG_CAPACITY);
    // A Device already present is still answered with success when the log is full.
    await expect(log.add({ eui64: eui(1), deviceType: 'Type2', installCode: installCode(1) })).resolves.toMatchObject({ added: false });
    await temp.reopen();
    expect((await openLog(temp)).log.size).toBe(DEVICE_LOG_CAPACITY);
  });

  it('serialises concurrent adds so the capacity is never overrun', async () => {
    const { log } = await openLog(temp, new ManualClock(), { capacity: 3 });
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => log.add({ eui64: eui(n), deviceType: 'ESME', installCode: installCode(n) })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(log.size).toBe(3);
  });
});

describe('DeviceLog link keys and change events', () => {
  it('emits a change for add, key change and removal, each with the whole log and per-entry AES-MMO hashes', async () => {
    const { log, changes } = await openLog(temp);
    await log.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) });
    await log.add({ eui64: eui(2), deviceType: 'GSME', installCode: installCode(2) });
    const key = randomBytes(16);
    await expect(log.recordLinkKey(eui(2), key)).resolves.toEqual({ changed: true, fromHistoricLog: false });
    await expect(log.recordLinkKey(eui(2), key)).resolves.toEqual({ changed: false, fromHistoricLog: false });
    await log.remove(eui(1));

    expect(changes.map((c) => [c.kind, c.eui64s])).toEqual([
      ['added', [eui(1)]],
      ['added', [eui(2)]],
      ['linkKeyChanged', [eui(2)]],
      ['removed', [eui(1)]],
    ]);
    expect(changes[1]!.devices.map((d) => [d.eui64, d.deviceType, d.hashedTcLinkKey.length])).toEqual([
      [eui(1), 'ESME', 0],
      [eui(2), 'GSME', 0],
    ]);
    const afterKey = changes[2]!.devices;
    expect(afterKey).toHaveLength(2);
    expect(afterKey[1]!.hashedTcLinkKey.equals(aesMmoHash(key))).toBe(true);
    expect(afterKey[0]!.hashedTcLinkKey.length).toBe(0);
    expect(changes[3]!.devices.map((d) => d.eui64)).toEqual([eui(2)]);
    // No key material travels in the event.
    expect(JSON.stringify(changes)).not.toContain(key.toString('hex'));
  });

  it('refuses a key of the wrong length, or for a Device not in the log', async () => {
    const { log } = await openLog(temp);
    await log.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) });
    expect((await rejection(log.recordLinkKey(eui(1), Buffer.alloc(15)))).code).toBe('LINK_KEY_BAD_LENGTH');
    expect((await rejection(log.recordLinkKey(eui(2), Buffer.alloc(16)))).code).toBe('DEVICE_NOT_IN_LOG');
    expect(log.get(eui(1))?.tcLinkKey).toBeUndefined();
  });

  it('answers removed: false for a Device that is not there', async () => {
    const { log, changes } = await openLog(temp);
    await expect(log.remove(eui(5))).resolves.toEqual({ removed: false });
    expect(changes).toEqual([]);
  });
});

describe('DeviceLog when the disk write fails', () => {
  it('acknowledges nothing and changes nothing in memory: add, key, removal', async () => {
    const { log, changes } = await openLog(temp);
    await log.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) });
    changes.length = 0;
    await temp.store.close();
    expect((await rejection(log.add({ eui64: eui(2), deviceType: 'ESME', installCode: installCode(2) }))).code).toBe('STORE_CLOSED');
    expect((await rejection(log.recordLinkKey(eui(1), randomBytes(16)))).code).toBe('STORE_CLOSED');
    expect((await rejection(log.remove(eui(1)))).code).toBe('STORE_CLOSED');
    expect(log.has(eui(2))).toBe(false);
    expect(log.get(eui(1))?.tcLinkKey).toBeUndefined();
    expect(log.has(eui(1))).toBe(true);
    expect(log.historic.size).toBe(0);
    expect(changes).toEqual([]);
  });
});

describe('DeviceLog last communication', () => {
  it('keeps times in memory and writes them in one batch per flush interval, not per message', async () => {
    const { log, clock } = await openLog(temp);
    await log.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) });
    expect(log.noteCommunication(eui(1), clock.now() + 1, -71)).toBe(true);
    expect(log.noteCommunication(eui(9), clock.now())).toBe(false);
    expect(log.get(eui(1))).toMatchObject({ lastCommunication: clock.now() + 1, signalStrength: -71 });

    // Not yet written: a restart now loses it (by design; it is refreshed by the next message).
    await temp.reopen();
    const second = await openLog(temp, clock);
    expect(second.log.get(eui(1))?.lastCommunication).toBeUndefined();

    for (let i = 0; i < 50; i++) second.log.noteCommunication(eui(1), clock.now() + i, -60 - i);
    await clock.advance(LAST_COMMUNICATION_FLUSH_MS);
    await second.log.flush();
    await temp.reopen();
    const third = await openLog(temp, clock);
    expect(third.log.get(eui(1))).toMatchObject({ lastCommunication: clock.now() - LAST_COMMUNICATION_FLUSH_MS + 49, signalStrength: -109 });
  });

  it('writes pending times on close, and refuses mutations afterwards', async () => {
    const { log, clock } = await openLog(temp);
    await log.add({ eui64: eui(1), deviceType: 'ESME', installCode: installCode(1) });
    log.noteCommunication(eui(1), clock.now() + 5);
    await log.close();
    expect((await rejection(log.add({ eui64: eui(2), deviceType: 'ESME', installCode: installCode(2) }))).code).toBe('DEVICE_LOG_CLOSED');
    await temp.reopen();
    expect((await openLog(temp)).log.get(eui(1))?.lastCommunication).toBe(clock.now() + 5);
  });
});
