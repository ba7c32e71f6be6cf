import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { SLEEPY_QUEUE_LIMITS, SleepyQueue, SleepyQueueError, type EnqueueResult, type QueueOutcome } from '../../../src/han/sleepy-queue.js';
import { TempStore, rejection } from '../chf/helpers.js';
import { filesUnder } from '../store/helpers.js';

const GSME = '00DB1234567890A1';
const OTHER_GSME = '00DB1234567890B1';
const HOUR = 3_600_000;
const message = (n: number) => Buffer.concat([Buffer.from('dd00', 'hex'), Buffer.from(`command-${n}`)]);

const temps: TempStore[] = [];
const queues: SleepyQueue[] = [];
afterEach(async () => {
  for (const queue of queues.splice(0)) await queue.close();
  for (const temp of temps.splice(0)) await temp.dispose();
});

async function setUp(clock = new ManualClock(), capacity?: number) {
  const temp = await TempStore.create();
  temps.push(temp);
  const open = async () => {
    const queue = await SleepyQueue.open({ store: temp.store, clock, capacity });
    queues.push(queue);
    const settled: QueueOutcome[] = [];
    queue.on('settled', (outcome) => settled.push(outcome));
    const atStart = await queue.start();
    return { queue, settled, atStart };
  };
  return { temp, clock, open, ...(await open()) };
}

function queued(result: EnqueueResult) {
  if (result.status !== 'QUEUED') throw new Error(`expected QUEUED, got ${result.status}`);
  return result;
}

describe('the sleepy queue', () => {
  it('hands out messages oldest first, counting those behind, per Device', async () => {
    const { queue } = await setUp();
    for (let n = 0; n < 3; n++) queued(await queue.enqueue(GSME, message(n)));
    queued(await queue.enqueue(OTHER_GSME, message(9)));
    const seen: string[] = [];
    for (let head = await queue.head(GSME); head; head = await queue.head(GSME)) {
      seen.push(`${head.message.gbcs.toString()}+${head.behind}`);
      expect(await queue.delivered(head.message.id)).toBe(true);
    }
    expect(seen).toEqual([message(0), message(1), message(2)].map((m, i) => `${m.toString()}+${2 - i}`));
    expect(queue.count(OTHER_GSME)).toBe(1);
  });

  it('refuses a message over capacity with QUEUE_FULL, and takes one again once a slot frees', async () => {
    const { queue } = await setUp(new ManualClock(), 2);
    const first = queued(await queue.enqueue(GSME, message(0)));
    queued(await queue.enqueue(GSME, message(1)));
    expect(await queue.enqueue(GSME, message(2))).toEqual({ status: 'QUEUE_FULL', capacity: 2 });
    expect(queue.count(GSME)).toBe(2);
    // Another Device's queue is its own.
    queued(await queue.enqueue(OTHER_GSME, message(3)));
    await queue.delivered(first.id);
    queued(await queue.enqueue(GSME, message(2)));
    expect(queue.list(GSME).map((m) => m.gbcs.toString())).toEqual([message(1), message(2)].map(String));
  });

  it('reports DELIVERED to the enqueuer and as an event, once', async () => {
    const { queue, settled } = await setUp();
    const { id, outcome } = queued(await queue.enqueue(GSME, message(0)));
    expect(await queue.delivered(id)).toBe(true);
    expect(await outcome).toMatchObject({ id, eui64: GSME, status: 'DELIVERED' });
    expect(settled).toEqual([expect.objectContaining({ id, status: 'DELIVERED' })]);
    expect(await queue.delivered(id)).toBe(false);
    expect(settled).toHaveLength(1);
  });

  it('expires each message at its own time, reporting EXPIRED, and never hands an expired one out', async () => {
    const clock = new ManualClock();
    const { queue, settled } = await setUp(clock);
    const soon = queued(await queue.enqueue(GSME, message(0), { expiresAt: clock.now() + HOUR }));
    const later = queued(await queue.enqueue(GSME, message(1)));
    expect(later.expiresAt).toBe(clock.now() + SLEEPY_QUEUE_LIMITS.defaultTtlMs);
    await clock.advance(HOUR);
    expect(await soon.outcome).toMatchObject({ id: soon.id, status: 'EXPIRED' });
    expect((await queue.head(GSME))?.message.id).toBe(later.id);
    await clock.advance(SLEEPY_QUEUE_LIMITS.defaultTtlMs);
    expect(await later.outcome).toMatchObject({ status: 'EXPIRED' });
    expect(settled.map((s) => [s.id, s.status])).toEqual([
      [soon.id, 'EXPIRED'],
      [later.id, 'EXPIRED'],
    ]);
    expect(await queue.head(GSME)).toBeUndefined();
  });

  it('keeps its messages, order and numbering across a close and reopen of the store', async () => {
    const setup = await setUp();
    const ids = [];
    for (let n = 0; n < 3; n++) ids.push(queued(await setup.queue.enqueue(GSME, message(n))).id);
    await setup.queue.delivered(ids[0]!);
    await setup.queue.close();
    await setup.temp.reopen();
    const { queue } = await setup.open();
    expect(queue.list(GSME).map((m) => [m.id, m.gbcs.toString()])).toEqual([
      [ids[1], message(1).toString()],
      [ids[2], message(2).toString()],
    ]);
    const fresh = queued(await queue.enqueue(GSME, message(3)));
    expect(ids).not.toContain(fresh.id);
    expect(queue.list(GSME).at(-1)?.id).toBe(fresh.id);
  });

  it('reports at start-up, as EXPIRED events, the messages that expired while the hub was down', async () => {
    const clock = new ManualClock();
    const setup = await setUp(clock);
    const lapsing = queued(await setup.queue.enqueue(GSME, message(0), { expiresAt: clock.now() + HOUR }));
    const staying = queued(await setup.queue.enqueue(GSME, message(1)));
    await setup.queue.close();
    // The enqueuer's process ended: its promise says the message is still on disk.
    expect(await lapsing.outcome).toEqual({ id: lapsing.id, eui64: GSME, status: 'STILL_QUEUED' });
    await setup.temp.reopen();
    clock.set(clock.now() + 2 * HOUR);
    const { queue, settled, atStart } = await setup.open();
    expect(atStart.map((o) => [o.id, o.status])).toEqual([[lapsing.id, 'EXPIRED']]);
    expect(settled.map((o) => [o.id, o.status])).toEqual([[lapsing.id, 'EXPIRED']]);
    expect(queue.list(GSME).map((m) => m.id)).toEqual([staying.id]);
  });

  it('removes a Device’s messages as REMOVED', async () => {
    const { queue, settled } = await setUp();
    const a = queued(await queue.enqueue(GSME, message(0)));
    queued(await queue.enqueue(OTHER_GSME, message(1)));
    expect((await queue.removeDevice(GSME)).map((o) => o.status)).toEqual(['REMOVED']);
    expect(await a.outcome).toMatchObject({ status: 'REMOVED' });
    expect(settled).toHaveLength(1);
    expect(queue.count(GSME)).toBe(0);
    expect(queue.count(OTHER_GSME)).toBe(1);
  });

  it('keeps message bytes encrypted at rest', async () => {
    const { queue, temp } = await setUp();
    const secret = Buffer.from('dd00' + 'a5'.repeat(24) + '5a'.repeat(24), 'hex');
    queued(await queue.enqueue(GSME, secret));
    await queue.close();
    await temp.store.close();
    for (const file of await filesUnder(temp.path)) {
      expect(file.bytes.includes(secret.subarray(2))).toBe(false);
      expect(file.bytes.includes(Buffer.from(secret.subarray(2).toString('hex')))).toBe(false);
    }
    await temp.open();
  });

  it('refuses bad input with typed errors and writes nothing', async () => {
    const clock = new ManualClock();
    const { queue } = await setUp(clock);
    const codes = await Promise.all([
      rejection(queue.enqueue('not-an-eui', message(0))),
      rejection(queue.enqueue(GSME, Buffer.alloc(0))),
      rejection(queue.enqueue(GSME, message(0), { expiresAt: clock.now() })),
      rejection(queue.enqueue(GSME, message(0), { expiresAt: clock.now() + SLEEPY_QUEUE_LIMITS.maxTtlMs + 1 })),
    ]);
    for (const error of codes) expect(error).toBeInstanceOf(SleepyQueueError);
    expect(codes.map((e) => e.code)).toEqual(['QUEUE_BAD_EUI64', 'QUEUE_EMPTY_MESSAGE', 'QUEUE_BAD_EXPIRY', 'QUEUE_BAD_EXPIRY']);
    expect(queue.count(GSME)).toBe(0);
    await queue.close();
    expect((await rejection(queue.enqueue(GSME, message(0)))).code).toBe('QUEUE_CLOSED');
  });
});
