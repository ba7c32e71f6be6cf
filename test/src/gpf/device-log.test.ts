import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../src/gbcs/index.js';
import { GPF_LOG_SIZES, GpfDeviceLog, GpfError, type GpfDeviceLogEntry } from '../../../src/gpf/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { describeRtds, loadVectors } from '../../helpers/rtds.js';
import { tempDir } from '../store/helpers.js';

let stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
});

async function deviceLog(path?: string) {
  const dir = path ?? (await tempDir('hub-gpf-devices-'));
  const store = await openStore({ path: dir });
  stores.push(store);
  return { log: await GpfDeviceLog.open(store), store, path: dir };
}

const GSME: GpfDeviceLogEntry = { eui64: '00DB1234567890A1', deviceType: 'GSME' };
const PPMID: GpfDeviceLogEntry = { eui64: '00DB1234567890A4', deviceType: 'PPMID' };
const CAD: GpfDeviceLogEntry = { eui64: '0102030405060708', deviceType: 'Type2' };

describe('the GPF Device Log', () => {
  it('backs up and restores into another hub, entry by entry, and survives a reopen', async () => {
    const a = await deviceLog();
    const changes: number[] = [];
    a.log.on('changed', (entries) => changes.push(entries.length));
    for (const entry of [GSME, PPMID, CAD]) expect(await a.log.add(entry)).toBe('success');
    expect(await a.log.add(GSME)).toBe('success');
    expect(changes).toEqual([1, 2, 3]);
    const backup = await a.log.backup(Date.parse('2026-05-01T00:00:00Z'));
    expect(backup.entries).toEqual([
      { ...GSME, deviceTypeCode: 0 },
      { ...PPMID, deviceTypeCode: 5 },
      { ...CAD, deviceTypeCode: 6 },
    ]);

    const b = await deviceLog();
    await b.log.add({ eui64: PPMID.eui64, deviceType: 'Type2' });
    const outcomes = await b.log.restore({
      entries: [...backup.entries, { eui64: '00DB1234567890A0', deviceType: 'ESME' as never, deviceTypeCode: 1 }],
    });
    expect(outcomes).toEqual(['success', 'incompatibleWithExistingEntry', 'success', 'invalidJoinMethodAndRole']);
    // Log order: the PPMID taken first keeps the first place.
    expect(await b.log.entries()).toEqual([{ eui64: PPMID.eui64, deviceType: 'Type2' }, GSME, CAD]);

    await b.store.close();
    stores = stores.filter((s) => s !== b.store);
    const reopened = await deviceLog(b.path);
    expect(await reopened.log.entries()).toHaveLength(3);
    expect(await reopened.log.remove(GSME.eui64)).toBe(true);
    expect(await reopened.log.remove(GSME.eui64)).toBe(false);
    expect((await reopened.log.entries()).map((e) => e.eui64)).toEqual([PPMID.eui64, CAD.eui64]);
  });

  it(`refuses to grow past ${GPF_LOG_SIZES.deviceLog.entries} entries, and refuses malformed entries with nothing written`, async () => {
    const { log } = await deviceLog();
    const many = Array.from({ length: GPF_LOG_SIZES.deviceLog.entries + 2 }, (_, i) => ({ eui64: `00DB1234567891${i.toString(16).padStart(2, '0').toUpperCase()}`, deviceType: 'Type2' as const }));
    const outcomes = await log.restore({ entries: many.map((e) => ({ ...e, deviceTypeCode: 6 })) });
    expect(outcomes.filter((o) => o === 'success')).toHaveLength(GPF_LOG_SIZES.deviceLog.entries);
    expect(outcomes.slice(-2)).toEqual(['deviceLogFull', 'deviceLogFull']);
    expect(await log.entries()).toHaveLength(GPF_LOG_SIZES.deviceLog.entries);

    const fresh = (await deviceLog()).log;
    await expect(fresh.add({ eui64: '00db1234567890a1', deviceType: 'GSME' })).rejects.toMatchObject({ code: 'GPF_BAD_DEVICE', where: 'entry.eui64' });
    await expect(fresh.add({ eui64: '00DB1234567890A0', deviceType: 'ESME' as never })).rejects.toBeInstanceOf(GpfError);
    await expect(fresh.restore({ entries: [GSME, { eui64: 'nope' }] as never })).rejects.toMatchObject({ where: 'backup.entries[1].eui64' });
    await expect(fresh.restore(null as never)).rejects.toMatchObject({ code: 'GPF_BAD_DEVICE' });
    expect(await fresh.entries()).toEqual([]);
  });
});

/** Just enough DER to walk the GCS62 alert: SEQUENCE { alert code, time, SEQUENCE OF { OCTET STRING, INTEGER } }. */
function der(bytes: Buffer, at = 0): { tag: number; body: Buffer; next: number } {
  const tag = bytes[at]!;
  let length = bytes[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = bytes.readUIntBE(start, count);
    start += count;
  }
  return { tag, body: bytes.subarray(start, start + length), next: start + length };
}

describeRtds('the GPF Device Log against the RTDS GCS62 backup alert', () => {
  it('restores the entries the alert carries and backs them up the same', async () => {
    const vector = loadVectors().find((v) => v.useCase === 'GCS62')!;
    const outer = der(decodeMessage(vector.bytes).payload);
    const code = der(outer.body);
    const time = der(outer.body, code.next);
    const list = der(outer.body, time.next);
    const fromAlert: Array<{ eui64: string; deviceTypeCode: number }> = [];
    for (let at = 0; at < list.body.length; ) {
      const entry = der(list.body, at);
      const eui = der(entry.body);
      const type = der(entry.body, eui.next);
      fromAlert.push({ eui64: eui.body.toString('hex').toUpperCase(), deviceTypeCode: type.body.readUIntBE(0, type.body.length) });
      at = entry.next;
    }
    expect(code.body.readUIntBE(0, code.body.length)).toBe(0x8071);
    expect(fromAlert.length).toBeGreaterThan(0);

    const { log } = await deviceLog();
    const outcomes = await log.restore({ entries: fromAlert as never });
    expect(outcomes.every((o) => o === 'success')).toBe(true);
    const backup = await log.backup(0);
    const sorted = (list: Array<{ eui64: string; deviceTypeCode: number }>) => [...list].sort((x, y) => x.eui64.localeCompare(y.eui64));
    expect(sorted(backup.entries.map(({ eui64, deviceTypeCode }) => ({ eui64, deviceTypeCode })))).toEqual(sorted(fromAlert));
  });
});
