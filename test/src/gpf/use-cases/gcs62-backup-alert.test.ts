import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../hal/clock.js';
import { decodeAsn1, gpfDeviceLogBackupAlert } from '../../../../src/gbcs/payload/asn1/views.js';
import { GpfDeviceLog } from '../../../../src/gpf/index.js';
import { gcs62Payload, watchGpfDeviceLog } from '../../../../src/gpf/use-cases/gcs62-gpf-device-log-backup-alert.js';
import type { AlertRequest } from '../../../../src/use-case/use-case.js';
import { openStore, type Store } from '../../../../src/store/index.js';

let dir: string;
let store: Store;
let log: GpfDeviceLog;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-gcs62-'));
  const key = randomBytes(32);
  store = await openStore({ path: join(dir, 'db'), secureElement: { dataKey: async () => Buffer.from(key) } });
  log = await GpfDeviceLog.open(store);
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

describe('GCS62: the GPF Device Log backup alert', () => {
  it('is raised by the GPF on each change, with the log in its order and the time of the change', async () => {
    const clock = new ManualClock(Date.UTC(2026, 4, 1));
    const raised: AlertRequest[] = [];
    const stop = watchGpfDeviceLog(log, { gpf: '00DB1234567890A3' }, clock, { raise: (alert) => raised.push(alert) });
    await log.add({ eui64: '00DB1234567890B2', deviceType: 'PPMID' });
    clock.set(Date.UTC(2026, 4, 2));
    await log.add({ eui64: '00DB1234567890B1', deviceType: 'GSME' });
    await log.add({ eui64: '00DB1234567890B1', deviceType: 'GSME' });
    stop();
    await log.remove('00DB1234567890B2');
    expect(raised.map((alert) => [alert.originator, alert.messageCode])).toEqual([['00DB1234567890A3', 0x00b2], ['00DB1234567890A3', 0x00b2]]);
    const last = decodeAsn1(gpfDeviceLogBackupAlert, raised[1]!.payload(7n));
    expect(last).toEqual({
      alertCode: 0x8071,
      backupDateTime: new Date(Date.UTC(2026, 4, 2)),
      devices: [{ deviceId: '00DB1234567890B2', deviceType: 5 }, { deviceId: '00DB1234567890B1', deviceType: 0 }],
    });
  });

  it('backs up an empty log as an empty list', () => {
    expect(decodeAsn1(gpfDeviceLogBackupAlert, gcs62Payload([], 0)).devices).toEqual([]);
  });
});
