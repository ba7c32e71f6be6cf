import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jsonCodec, openStore, sequenceKey } from '../../../src/store/index.js';
import { runScript } from './child.js';
import { tempDir } from './helpers.js';

const ROUNDS = 20;

describe('store durability', () => {
  it(`keeps every acknowledged write when the writing process is SIGKILLed (${ROUNDS} rounds)`, async () => {
    const path = await tempDir();
    const dataKey = randomBytes(32);
    let acknowledged = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const writer = runScript(new URL('./fixtures/acked-writer.ts', import.meta.url).href, [path, dataKey.toString('hex')]);
      await writer.waitFor((line) => line === 'ready');
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 120));
      await writer.kill();
      const acks = writer.lines.filter((line) => line.startsWith('ack ')).map((line) => Number(line.slice(4)));
      acknowledged += acks.length;

      const store = await openStore({ path, secureElement: { dataKey: async () => dataKey } });
      const log = await store.domain({ name: 'eventLog', codec: jsonCodec<{ n: number }>() });
      const readings = await store.domain({ name: 'readings', codec: jsonCodec<{ n: number; consumption: number }>(), personal: true });
      const counters = await store.domain({ name: 'counters', codec: jsonCodec<number>() });
      for (const n of acks) {
        expect(await log.get(sequenceKey(n)), `acknowledged entry ${n} in round ${round}`).toEqual({ n });
        if (n % 2 === 1) expect(await readings.get(sequenceKey(n))).toEqual({ n, consumption: n * 1.5 });
      }
      // Batches land whole: the counter names an entry whose other parts are all there.
      const last = await counters.get('last');
      if (last !== undefined) {
        expect(await log.get(sequenceKey(last))).toEqual({ n: last });
        expect(await readings.get(sequenceKey(last))).toEqual({ n: last, consumption: last * 1.5 });
      }
      const newest = await log.last();
      if (acks.length > 0) expect(Number(newest?.[0])).toBeGreaterThanOrEqual(Math.max(...acks));
      // A kill loses nothing acknowledged, so the record of acknowledged commits never raises a false alarm.
      expect(store.recoveryProblems, `recovery problems after round ${round}`).toEqual([]);
      await store.close();
    }
    // The kills have to land among real writes for this to mean anything.
    expect(acknowledged).toBeGreaterThan(ROUNDS);
  });
});
