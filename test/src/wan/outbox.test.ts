import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { HUB_EVENTS } from '../../../src/logs/event-codes.js';
import { openHubLogs } from '../../../src/logs/hub-logs.js';
import { Outbox, type OutboxOptions, type QuotaLevel } from '../../../src/wan/outbox.js';
import { WanError } from '../../../src/wan/errors.js';
import { rejection, TempStore } from '../chf/helpers.js';

const temps: TempStore[] = [];
afterEach(async () => {
  for (const temp of temps.splice(0)) await temp.dispose();
});

async function setup(options: Partial<OutboxOptions> = {}) {
  const temp = await TempStore.create();
  temps.push(temp);
  const clock = new ManualClock();
  const outbox = await Outbox.open(temp.store, { clock, ...options });
  return { temp, clock, outbox };
}

const alert = (n: number) => Buffer.from(`0300000000${n.toString(16).padStart(8, '0')}`, 'hex');

describe('WAN outbox', () => {
  it('keeps every appended message on disk, oldest first, with what it needs to be published', async () => {
    const { temp, clock, outbox } = await setup();
    await outbox.append('alert', alert(1), { source: '00DB1234567890A2' });
    await outbox.append('response', alert(2), { responseTopic: 'headend/replies/7', correlationData: Buffer.from('c0ffee', 'hex'), expirySeconds: 60 });
    await outbox.close();

    const reopened = await Outbox.open(await temp.reopen(), { clock });
    const queued = [...reopened.queued()];
    expect(queued.map((e) => [e.sequence, e.kind, e.payload.toString('hex')])).toEqual([
      [0, 'alert', alert(1).toString('hex')],
      [1, 'response', alert(2).toString('hex')],
    ]);
    expect(queued[0]!.meta).toEqual({ source: '00DB1234567890A2' });
    expect(queued[1]!.meta).toEqual({ responseTopic: 'headend/replies/7', correlationData: Buffer.from('c0ffee', 'hex'), expirySeconds: 60 });
    expect(queued[1]!.queuedAt).toBe(clock.now());
  });

  it('deletes a message only when it is acknowledged, and never reuses a sequence number after it drains', async () => {
    const { temp, clock, outbox } = await setup();
    for (let n = 0; n < 5; n++) await outbox.append('alert', alert(n));
    outbox.acknowledge(0);
    outbox.acknowledge(2);
    outbox.acknowledge(2); // a second PUBACK for the same message changes nothing
    await outbox.close();

    const second = await Outbox.open(await temp.reopen(), { clock });
    expect([...second.queued()].map((e) => e.sequence)).toEqual([1, 3, 4]);
    for (const sequence of [1, 3, 4]) second.acknowledge(sequence);
    expect(second.depth).toBe(0);
    await second.close();

    const third = await Outbox.open(await temp.reopen(), { clock });
    expect(third.depth).toBe(0);
    expect(third.appendedTotal).toBe(5);
    expect((await third.append('alert', alert(9))).sequence).toBe(5);
  });

  it('writes a burst of concurrent appends in order, each resolving only once it is durable', async () => {
    const { temp, clock, outbox } = await setup();
    const appended: number[] = [];
    outbox.on('appended', (entry) => appended.push(entry.sequence));
    const entries = await Promise.all(Array.from({ length: 300 }, (_, n) => outbox.append('alert', alert(n))));
    expect(entries.map((e) => e.sequence)).toEqual(Array.from({ length: 300 }, (_, n) => n));
    expect(appended).toEqual(entries.map((e) => e.sequence));
    await outbox.close();
    const reopened = await Outbox.open(await temp.reopen(), { clock });
    expect([...reopened.queued()].map((e) => e.payload.toString('hex'))).toEqual(entries.map((_, n) => alert(n).toString('hex')));
  });

  it('seals queued bytes at rest: a response payload never appears in the LevelDB files', async () => {
    const { temp, outbox } = await setup();
    const marker = Buffer.from('consumption-7e3a91c4-consumption');
    await outbox.append('response', marker);
    await outbox.close();
    await temp.store.close();
    for (const file of await readdir(temp.path)) {
      const content = await readFile(join(temp.path, file));
      expect(content.includes(marker), file).toBe(false);
      expect(content.includes(Buffer.from(marker.toString('base64'))), file).toBe(false);
    }
  });

  it('refuses a message that could never be published, naming the field, with nothing written', async () => {
    const { outbox } = await setup();
    await outbox.append('alert', alert(0));
    const cases: Array<[Parameters<Outbox['append']>, string]> = [
      [['alert', Buffer.alloc(0)], 'payload'],
      [['notice' as 'alert', alert(1)], 'kind'],
      [['response', alert(1), { responseTopic: 'replies/#' }], 'responseTopic'],
      [['response', alert(1), { responseTopic: '' }], 'responseTopic'],
      [['alert', alert(1), { source: 'not-an-eui' }], 'source'],
      [['response', alert(1), { expirySeconds: 0 }], 'expirySeconds'],
      [['response', alert(1), { correlationData: Buffer.alloc(2000) }], 'correlationData'],
    ];
    for (const [args, where] of cases) {
      const error = await rejection(outbox.append(...args));
      expect(error, where).toBeInstanceOf(WanError);
      expect(error.code).toBe('WAN_BAD_MESSAGE');
      expect((error as WanError).where).toBe(where);
    }
    expect(outbox.depth).toBe(1);
    expect(outbox.appendedTotal).toBe(1);
  });

  it('rejects appends after close, and an append the store cannot write, leaving the count as it was', async () => {
    const { temp, outbox } = await setup();
    await outbox.append('alert', alert(0));
    await temp.store.close();
    const failed = await rejection(outbox.append('alert', alert(1)));
    expect(failed.code).toMatch(/^STORE_/);
    expect(outbox.depth).toBe(1);
    await outbox.close();
    expect((await rejection(outbox.append('alert', alert(2)))).code).toBe('WAN_STOPPED');
  });

  it('reads back any valid message exactly as it was appended (property)', async () => {
    const { temp, clock, outbox } = await setup();
    const meta = fc.record(
      {
        responseTopic: fc.stringMatching(/^[a-z0-9/]{1,40}$/),
        correlationData: fc.uint8Array({ minLength: 0, maxLength: 64 }).map((b) => Buffer.from(b)),
        source: fc.stringMatching(/^[0-9A-F]{16}$/),
        expirySeconds: fc.integer({ min: 1, max: 0xffffffff }),
      },
      { requiredKeys: [] },
    );
    const message = fc.tuple(fc.constantFrom('response' as const, 'alert' as const), fc.uint8Array({ minLength: 1, maxLength: 600 }), meta);
    const samples = fc.sample(fc.array(message, { minLength: 1, maxLength: 40 }), { numRuns: 1, seed: 20260101 })[0]!;
    for (const [kind, bytes, m] of samples) await outbox.append(kind, bytes, m);
    await outbox.close();
    const reopened = await Outbox.open(await temp.reopen(), { clock });
    expect([...reopened.queued()].map((e) => [e.kind, Buffer.from(e.payload), e.meta])).toEqual(samples.map(([kind, bytes, m]) => [kind, Buffer.from(bytes), m]));
  });
});

describe('WAN outbox quota', () => {
  it('raises the alarm once on the way up, refuses at the quota without dropping anything, and records both in the Security Log', async () => {
    const temp = await TempStore.create();
    temps.push(temp);
    const clock = new ManualClock();
    const logs = await openHubLogs(temp.store, clock);
    const outbox = await Outbox.open(temp.store, { clock, security: logs.securityLog, quota: { maxMessages: 10, alarmPercent: 80 } });
    const levels: QuotaLevel[] = [];
    outbox.on('level', (level) => levels.push(level));

    for (let n = 0; n < 10; n++) await outbox.append('alert', alert(n));
    expect(outbox.level).toBe('nearQuota');
    const refusals = await Promise.all([11, 12, 13].map((n) => rejection(outbox.append('alert', alert(n)))));
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(WanError);
      expect(refusal.code).toBe('WAN_OUTBOX_FULL');
      expect(refusal.message).toMatch(/10 messages .* quota of 10 .*nothing queued was dropped/);
    }
    expect([...outbox.queued()].map((e) => e.sequence)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(outbox.stats()).toMatchObject({ depth: 10, level: 'full', refused: 3 });

    // Draining below the alarm line ends the episode; the next refusal is recorded again.
    for (let n = 0; n < 3; n++) outbox.acknowledge(n);
    expect(outbox.level).toBe('normal');
    await outbox.close();

    const security = (await logs.securityLog.newest()).map((e) => e.code).reverse();
    expect(security).toEqual([HUB_EVENTS.wanOutboxNearQuota.code, HUB_EVENTS.wanOutboxFull.code]);
    expect((await logs.securityLog.newest(1))[0]!.detail).toEqual({ messages: 10, bytes: expect.any(Number), maxMessages: 10, maxBytes: 16 * 1024 * 1024 });
    expect(levels).toEqual(['nearQuota', 'full', 'normal']);
  });

  it('counts bytes as well as messages, and holds the quota against a burst whose writes are still on the way', async () => {
    const { outbox } = await setup({ quota: { maxBytes: 4000, maxMessages: 1000, alarmPercent: 50 } });
    const big = Buffer.alloc(900, 0x11);
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => outbox.append('response', big)));
    const accepted = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(accepted).toBeGreaterThan(0);
    expect(outbox.stats().bytes).toBeLessThanOrEqual(4000);
    expect(outcomes.slice(accepted).every((o) => o.status === 'rejected' && (o.reason as WanError).code === 'WAN_OUTBOX_FULL')).toBe(true);
    expect(outbox.depth).toBe(accepted);
  });

  it('opens with the level its queued messages put it at', async () => {
    const { temp, clock, outbox } = await setup({ quota: { maxMessages: 4, alarmPercent: 50 } });
    for (let n = 0; n < 3; n++) await outbox.append('alert', alert(n));
    await outbox.close();
    const reopened = await Outbox.open(await temp.reopen(), { clock, quota: { maxMessages: 4, alarmPercent: 50 } });
    expect(reopened.level).toBe('nearQuota');
    expect(reopened.stats()).toMatchObject({ depth: 3, oldestQueuedAt: clock.now() });
  });
});
