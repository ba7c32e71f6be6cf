import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { HubError } from '../../../hal/errors.js';
import {
  bytesCodec,
  jsonCodec,
  openStore,
  parseSequenceKey,
  sequenceKey,
  utf8Codec,
  type Store,
  type StoreError,
} from '../../../src/store/index.js';
import { collect, storeRejection, tempDir } from './helpers.js';

interface LogEntry {
  event: number;
  at: string;
}

const isLogEntry = (value: unknown): value is LogEntry =>
  typeof value === 'object' && value !== null && typeof (value as LogEntry).event === 'number' && typeof (value as LogEntry).at === 'string';

const eventLog = { name: 'eventLog', codec: jsonCodec(isLogEntry) };
const counters = { name: 'counters', codec: jsonCodec<number>() };
const raw = { name: 'outbox', codec: bytesCodec };

let open: Store[] = [];
async function fresh(path?: string): Promise<Store> {
  const store = await openStore({ path: path ?? (await tempDir()) });
  open.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(open.map((store) => store.close()));
  open = [];
});

describe('Store domains', () => {
  it('keeps each domain in its own key space, and keeps values across a reopen', async () => {
    const store = await fresh();
    const log = await store.domain(eventLog);
    const count = await store.domain(counters);
    const outbox = await store.domain(raw);
    await log.put('k', { event: 0x8001, at: '2026-01-01T00:00:00Z' });
    await count.put('k', 41);
    await outbox.put('k', Buffer.from([1, 2, 3]));
    expect(await log.get('k')).toEqual({ event: 0x8001, at: '2026-01-01T00:00:00Z' });
    expect(await count.get('k')).toBe(41);
    expect(await outbox.get('k')).toEqual(Buffer.from([1, 2, 3]));
    expect(await count.get('absent')).toBeUndefined();
    expect(await count.has('k')).toBe(true);
    await count.del('k');
    await count.del('k');
    expect(await count.has('k')).toBe(false);
    expect(await log.has('k')).toBe(true);

    await store.close();
    const reopened = await fresh(store.path);
    expect(await (await reopened.domain(eventLog)).get('k')).toEqual({ event: 0x8001, at: '2026-01-01T00:00:00Z' });
  });

  it('reads entries back in key order, forwards, backwards and within bounds', async () => {
    const store = await fresh();
    const log = await store.domain({ name: 'deviceLog', codec: jsonCodec<number>() });
    const order = [5, 100, 2, 99999, 10, 0, 7];
    for (const n of order) await log.put(sequenceKey(n), n);
    const all = (await collect(log.entries())).map(([, v]) => v);
    expect(all).toEqual([...order].sort((a, b) => a - b));
    expect((await collect(log.entries({ reverse: true, limit: 2 }))).map(([, v]) => v)).toEqual([99999, 100]);
    expect(await collect(log.keys({ gte: sequenceKey(5), lt: sequenceKey(100) }))).toEqual([5, 7, 10].map(sequenceKey));
    expect(await log.count({ gt: sequenceKey(7) })).toBe(3);
    expect(await log.first()).toEqual([sequenceKey(0), 0]);
    expect(await log.last()).toEqual([sequenceKey(99999), 99999]);
    await log.clear({ lt: sequenceKey(10) });
    expect((await collect(log.keys())).map(parseSequenceKey)).toEqual([10, 100, 99999]);
    await log.clear();
    expect(await log.first()).toBeUndefined();
  });

  it('orders sequence keys like the numbers they hold', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.nat({ max: Number.MAX_SAFE_INTEGER }), (a, b) => {
        const [ka, kb] = [sequenceKey(a), sequenceKey(b)];
        expect(Math.sign(Buffer.compare(Buffer.from(ka), Buffer.from(kb)))).toBe(Math.sign(a - b));
        expect(parseSequenceKey(ka)).toBe(a);
      }),
    );
    expect(() => sequenceKey(-1)).toThrow(/not a non-negative safe integer/);
    expect(() => sequenceKey(1.5)).toThrow(/not a non-negative safe integer/);
    expect(() => parseSequenceKey('12')).toThrow(/not a sequence key/);
  });

  it('refuses bad domain names, bad keys and values its codec rejects, writing nothing', async () => {
    const store = await fresh();
    for (const name of ['meta', 'Upper', '1st', 'has!bang', 'a-b', '']) {
      expect((await storeRejection(store.domain({ name, codec: utf8Codec }))).code).toBe('STORE_DOMAIN');
    }
    const text = await store.domain({ name: 'notes', codec: utf8Codec });
    expect((await storeRejection(text.put('', 'x'))).code).toBe('STORE_BAD_KEY');
    expect((await storeRejection(text.put('k'.repeat(1025), 'x'))).code).toBe('STORE_BAD_KEY');
    const bad = await storeRejection(text.put('k', 42 as unknown as string));
    expect(bad.code).toBe('STORE_BAD_VALUE');
    expect(bad.where).toBe('notes/k');
    const count = await store.domain(counters);
    expect((await storeRejection(count.put('k', undefined as unknown as number))).code).toBe('STORE_BAD_VALUE');
    expect(await text.count()).toBe(0);
  });

  it('reports a stored value of the wrong shape as unreadable rather than passing it on', async () => {
    const store = await fresh();
    await (await store.domain({ name: 'eventLog', codec: jsonCodec<unknown>() })).put('k', { event: 'not a number' });
    const typed = await store.domain(eventLog);
    const error = await storeRejection(typed.get('k'));
    expect(error.code).toBe('STORE_UNREADABLE');
    expect(error.where).toBe('eventLog/k');
  });

  it('fails every operation on a closed store with STORE_CLOSED', async () => {
    const store = await fresh();
    const count = await store.domain(counters);
    await store.close();
    const attempts = [() => count.put('k', 1), () => count.get('k'), () => count.del('k'), () => collect(count.entries()), () => store.domain(counters)];
    for (const attempt of attempts) {
      expect((await storeRejection(attempt())).code).toBe('STORE_CLOSED');
    }
    await store.close();
  });
});

describe('codecs', () => {
  it('round-trip any JSON value, bytes and text', () => {
    const json = jsonCodec<unknown>();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(json.decode(json.encode(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array(), (bytes) => {
        expect(bytesCodec.decode(bytesCodec.encode(Buffer.from(bytes)))).toEqual(Buffer.from(bytes));
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(utf8Codec.decode(utf8Codec.encode(text))).toBe(text);
      }),
    );
  });

  it('either decode stored bytes to the guarded shape or report them unreadable', async () => {
    const store = await fresh();
    const bytes = await store.domain({ name: 'eventLog', codec: bytesCodec });
    const typed = await store.domain(eventLog);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }),
          fc.jsonValue().map((v) => new TextEncoder().encode(JSON.stringify(v))),
          fc.record({ event: fc.integer(), at: fc.string() }).map((v) => new TextEncoder().encode(JSON.stringify(v))),
        ),
        async (raw) => {
          await bytes.put('k', Buffer.from(raw));
          const read = await typed.get('k').then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          if ('value' in read) expect(isLogEntry(read.value), `read ${JSON.stringify(read.value)}`).toBe(true);
          else expect((read.error as StoreError).code).toBe('STORE_UNREADABLE');
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('Store batches', () => {
  it('writes puts and deletes across domains together', async () => {
    const store = await fresh();
    const log = await store.domain(eventLog);
    const count = await store.domain(counters);
    await count.put('gone', 1);
    const batch = store
      .batch()
      .put(log, sequenceKey(1), { event: 1, at: 't' })
      .put(count, 'originator', 7)
      .del(count, 'gone');
    expect(batch.length).toBe(3);
    await batch.write();
    expect(await log.get(sequenceKey(1))).toEqual({ event: 1, at: 't' });
    expect(await count.get('originator')).toBe(7);
    expect(await count.has('gone')).toBe(false);
  });

  it('writes nothing when any op fails validation, and says which op', async () => {
    const store = await fresh();
    const positive = await store.domain({
      name: 'counters',
      codec: jsonCodec<number>(),
      validate: (value: number) => {
        if (!(value > 0)) throw new HubError('COUNTER_NOT_POSITIVE', 'an originator counter must be positive');
      },
    });
    const log = await store.domain(eventLog);
    await positive.put('kept', 5);
    const error = await store
      .batch()
      .put(log, sequenceKey(1), { event: 1, at: 't' })
      .del(positive, 'kept')
      .put(positive, 'counter', -1)
      .write()
      .then(
        () => undefined,
        (e: unknown) => e as HubError,
      );
    expect(error).toBeInstanceOf(HubError);
    expect(error?.code).toBe('COUNTER_NOT_POSITIVE');
    expect(await log.count()).toBe(0);
    expect(await positive.get('kept')).toBe(5);

    const codecError = await storeRejection(store.batch().put(log, sequenceKey(2), { event: 2, at: 't' }).put(log, '', { event: 3, at: 't' }).write());
    expect(codecError.code).toBe('STORE_BAD_KEY');
    expect(codecError.message).toMatch(/batch op 2 of 2/);
    expect(await log.count()).toBe(0);
  });

  it('writes an unsynced batch atomically too, validating first and keeping it across a reopen', async () => {
    const dir = await tempDir();
    const store = await fresh(dir);
    const log = await store.domain(eventLog);
    const count = await store.domain(counters);
    await count.put('acked', 1);
    await store.batch().put(log, sequenceKey(1), { event: 1, at: 't' }).del(count, 'acked').writeUnsynced();
    expect(await log.get(sequenceKey(1))).toEqual({ event: 1, at: 't' });
    expect(await count.has('acked')).toBe(false);
    const refused = await storeRejection(store.batch().put(log, sequenceKey(2), { event: 2, at: 't' }).put(log, '', { event: 3, at: 't' }).writeUnsynced());
    expect(refused.code).toBe('STORE_BAD_KEY');
    await store.close();
    const again = await fresh(dir);
    expect(await collect((await again.domain(eventLog)).keys())).toEqual([sequenceKey(1)]);
    expect(await (await again.domain(counters)).has('acked')).toBe(false);
  });

  it('refuses a domain from another store', async () => {
    const one = await fresh();
    const other = await fresh();
    const foreign = await other.domain(counters);
    await one.domain(counters);
    expect(() => one.batch().put(foreign, 'k', 1)).toThrowError(/does not belong to this store/);
  });
});
