import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { CHF_LOG_SIZES, gbcsCodeOf, HUB_EVENTS, LogError, openHubLogs, type HubLogs, type LogDetail } from '../../../src/logs/index.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { tempDir } from '../store/helpers.js';
import type { SecurityEventSink as AdmissionSink } from '../../../src/han/admission.js';

const START = Date.UTC(2026, 2, 1, 12, 0, 0);
let open: Store[] = [];

async function logsAt(path?: string, clock = new ManualClock(START)): Promise<{ logs: HubLogs; store: Store; path: string; clock: ManualClock }> {
  const dir = path ?? (await tempDir('hub-logs-'));
  const store = await openStore({ path: dir });
  open.push(store);
  return { logs: await openHubLogs(store, clock), store, path: dir, clock };
}

afterEach(async () => {
  await Promise.all(open.map((store) => store.close()));
  open = [];
});

const { deviceJoiningSucceeded, immediateCommandActioned, replayDetected, unauthorisedJoinAttempt, eventLogCleared } = HUB_EVENTS;

describe('the event codes table', () => {
  it('gives every event a distinct code, and GBCS reads a GBCS code for each', () => {
    const events = Object.values(HUB_EVENTS);
    expect(new Set(events.map((e) => e.code)).size).toBe(events.length);
    for (const event of events) expect(gbcsCodeOf(event.code) ?? 0xe101).toBeGreaterThanOrEqual(0x8000);
    expect(gbcsCodeOf(replayDetected.code)).toBe(0x8f53);
    expect(gbcsCodeOf(immediateCommandActioned.code)).toBe(0x8154);
    expect(gbcsCodeOf(0x1234)).toBeUndefined();
  });
});

describe('the Event Log and the Security Log', () => {
  it('record entries with the Clock time and read them newest first and by range', async () => {
    const { logs, clock } = await logsAt();
    await logs.eventLog.record(deviceJoiningSucceeded.code, { eui64: '00DB1234567890A1' });
    await clock.advance(60_000);
    await logs.eventLog.record(immediateCommandActioned.code, { messageCode: 0x009b });
    await clock.advance(60_000);
    await logs.eventLog.record(immediateCommandActioned.code);

    const newest = await logs.eventLog.newest();
    expect(newest.map((e) => [e.sequence, e.at, e.code])).toEqual([
      [2, START + 120_000, immediateCommandActioned.code],
      [1, START + 60_000, immediateCommandActioned.code],
      [0, START, deviceJoiningSucceeded.code],
    ]);
    expect(newest[2]!.detail).toEqual({ eui64: '00DB1234567890A1' });
    expect(await logs.eventLog.newest(1)).toEqual([newest[0]]);
    expect((await logs.eventLog.range({ from: START + 60_000, to: START + 120_000 })).map((e) => e.sequence)).toEqual([1]);
    expect((await logs.eventLog.range({ from: START })).map((e) => e.sequence)).toEqual([0, 1, 2]);
    await expect(logs.eventLog.range({ from: 2, to: 1 })).rejects.toMatchObject({ code: 'LOG_BAD_RANGE' });
  });

  for (const which of ['eventLog', 'securityLog'] as const) {
    it(`${which}: holds ${CHF_LOG_SIZES[which]} entries, overwrites the oldest, and keeps them across a reopen`, async () => {
      const code = which === 'eventLog' ? immediateCommandActioned.code : unauthorisedJoinAttempt.code;
      const first = await logsAt();
      const capacity = CHF_LOG_SIZES[which];
      expect(first.logs[which].capacity).toBe(capacity);
      for (let i = 0; i < capacity + 7; i++) await first.logs[which].record(code, { n: i });
      expect(first.logs[which].count()).toBe(capacity);
      await first.store.close();
      open = [];

      const again = await logsAt(first.path);
      const entries = await again.logs[which].newest();
      expect(entries).toHaveLength(capacity);
      expect(again.logs[which].count()).toBe(capacity);
      expect(entries[0]!.detail).toEqual({ n: capacity + 6 });
      expect(entries.at(-1)!.detail).toEqual({ n: 7 });
      // Sequence numbers continue after a reopen rather than starting again.
      await again.logs[which].record(code);
      expect((await again.logs[which].newest(1))[0]!.sequence).toBe(capacity + 7);
      expect(await again.logs[which].newest()).toHaveLength(capacity);
    });
  }

  it('refuse unknown codes, and codes that belong to the other log, writing nothing', async () => {
    const { logs } = await logsAt();
    await expect(logs.eventLog.record(0x1234)).rejects.toMatchObject({ code: 'LOG_UNKNOWN_CODE', message: expect.stringContaining('0x1234') });
    await expect(logs.eventLog.record(replayDetected.code)).rejects.toMatchObject({ code: 'LOG_UNKNOWN_CODE', message: expect.stringContaining('security log') });
    await expect(logs.securityLog.record(deviceJoiningSucceeded.code)).rejects.toBeInstanceOf(LogError);
    expect(logs.eventLog.count()).toBe(0);
    expect(logs.securityLog.count()).toBe(0);
  });

  it('refuse detail fields named like personal data, however they are spelled or nested, and write nothing', async () => {
    const { logs } = await logsAt();
    const refused: LogDetail[] = [
      { mprn: '0007654321' },
      { gasMprn: '0007654321' },
      { device: { link_key: 'ab' } },
      { devices: [{ InstallCode: '83FE' }] },
      { consumption: 12345.678 },
      { meterBalance: 10 },
      { pin: '1234' },
      { payload: 'dd00' },
    ];
    for (const detail of refused) {
      const error = await logs.securityLog.record(replayDetected.code, detail).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, JSON.stringify(detail)).toMatchObject({ code: 'LOG_PERSONAL_DETAIL' });
      // The message names the field, never its value.
      expect((error as Error).message).not.toMatch(/0007654321|12345|1234'|83FE/);
    }
    await expect(logs.eventLog.record(immediateCommandActioned.code, { when: new Date() } as never)).rejects.toMatchObject({ code: 'LOG_BAD_DETAIL' });
    await expect(logs.eventLog.record(immediateCommandActioned.code, { text: 'x'.repeat(201) })).rejects.toMatchObject({ code: 'LOG_BAD_DETAIL' });
    await expect(logs.eventLog.record(immediateCommandActioned.code, { n: Number.NaN })).rejects.toMatchObject({ code: 'LOG_BAD_DETAIL' });
    expect(logs.securityLog.count()).toBe(0);
    expect(logs.eventLog.count()).toBe(0);
    // Names that only look alike are fine.
    await logs.eventLog.record(immediateCommandActioned.code, { messageCode: 0x9b, eui64: '00DB1234567890A1', outcome: 'ok' });
    expect(logs.eventLog.count()).toBe(1);
  });
});

describe('the Security Log as the HAN admission sink', () => {
  it('takes the names admission reports by, logged under their table codes', async () => {
    const { logs } = await logsAt();
    const sink: AdmissionSink = logs.securityLog;
    await sink.record('JOIN_REFUSED_NOT_IN_LOG', { eui64: '0102030405060708', reason: 'not in log' });
    await sink.record('JOINED_WITHOUT_ADMISSION', { eui64: '0102030405060709', reason: 'no window' });
    const entries = await logs.securityLog.newest();
    expect(entries.map((e) => e.code)).toEqual([HUB_EVENTS.joinedWithoutAdmission.code, unauthorisedJoinAttempt.code]);
    expect(entries[1]!.detail).toEqual({ eui64: '0102030405060708', reason: 'not in log' });
    await expect(logs.securityLog.record('NOT_A_NAME' as never)).rejects.toMatchObject({ code: 'LOG_UNKNOWN_CODE', message: expect.stringContaining('NOT_A_NAME') });
  });
});

describe('clearing', () => {
  it('a CS11 clear empties the Event Log, records itself in the Security Log, and leaves the Security Log whole', async () => {
    const { logs, path, store } = await logsAt();
    for (let i = 0; i < 5; i++) await logs.eventLog.record(immediateCommandActioned.code, { n: i });
    await logs.securityLog.record(replayDetected.code, { originator: '90B3D51F30010000' });
    await logs.securityLog.record(unauthorisedJoinAttempt.code, { eui64: '0102030405060708' });

    await logs.eventLog.clear();
    expect(await logs.eventLog.newest()).toEqual([]);
    expect(logs.eventLog.count()).toBe(0);
    const security = await logs.securityLog.newest();
    expect(security.map((e) => e.code)).toEqual([eventLogCleared.code, unauthorisedJoinAttempt.code, replayDetected.code]);
    expect(security[0]!.detail).toEqual({ entriesRemoved: 5 });

    // After a clear, new entries keep counting up, and the state survives a reopen.
    const after = await logs.eventLog.record(immediateCommandActioned.code);
    expect(after.sequence).toBe(5);
    await store.close();
    open = [];
    const again = await logsAt(path);
    expect((await again.logs.eventLog.newest()).map((e) => e.sequence)).toEqual([5]);
    expect(await again.logs.securityLog.newest()).toHaveLength(3);
  });

  it('the Security Log has no clear, by type and at run time; only a local purge by age or count removes entries', async () => {
    const { logs, clock } = await logsAt();
    // @ts-expect-error: the Security Log's type has no clear.
    expect(logs.securityLog.clear).toBeUndefined();
    expect('clear' in logs.securityLog).toBe(false);
    expect(Object.isFrozen(logs.securityLog)).toBe(true);

    for (let i = 0; i < 6; i++) {
      await logs.securityLog.record(replayDetected.code, { n: i });
      await clock.advance(3_600_000);
    }
    expect(await logs.securityLog.purge({ olderThan: START + 2 * 3_600_000 })).toBe(2);
    expect((await logs.securityLog.newest()).map((e) => e.detail['n'])).toEqual([5, 4, 3, 2]);
    expect(await logs.securityLog.purge({ keepNewest: 3 })).toBe(1);
    expect((await logs.securityLog.newest()).map((e) => e.detail['n'])).toEqual([5, 4, 3]);
    expect(await logs.securityLog.purge({})).toBe(0);
    expect(logs.securityLog.count()).toBe(3);
  });
});
