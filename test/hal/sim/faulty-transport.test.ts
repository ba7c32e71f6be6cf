import { describe, expect, it } from 'vitest';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { FaultyTransport, type LineFaults } from '../../../hal/sim/faulty-transport.js';

const CLEAN: LineFaults = { corruptOneIn: 0, dropOneIn: 0, duplicateOneIn: 0, directions: ['toHost', 'toNcp'] };

/** Bytes that never contain the ASH flag, as a frame body would (the flag ends each frame). */
function frames(count: number, length: number): Buffer {
  const bytes: number[] = [];
  for (let f = 0; f < count; f++) {
    for (let i = 0; i < length; i++) bytes.push((f * 31 + i * 7) % 0x7e);
    bytes.push(0x7e);
  }
  return Buffer.from(bytes);
}

async function collect(faults: LineFaults, seed: number, sent: Buffer, direction: 'toHost' | 'toNcp') {
  const [hostSide, ncpSide] = memoryTransportPair('line');
  const faulty = new FaultyTransport(ncpSide, faults, seed);
  await hostSide.open();
  await faulty.open();
  const received: Buffer[] = [];
  const sink = direction === 'toHost' ? hostSide : faulty;
  sink.on('data', (chunk) => received.push(chunk));
  for (let i = 0; i < sent.length; i += 1000) {
    const slice = sent.subarray(i, i + 1000);
    if (direction === 'toHost') await faulty.write(slice);
    else await hostSide.write(slice);
  }
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  return { received: Buffer.concat(received), counts: faulty.counts() };
}

function differences(a: Buffer, b: Buffer): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('FaultyTransport', () => {
  it('passes bytes through untouched when no fault is set', async () => {
    const sent = frames(50, 20);
    const { received, counts } = await collect(CLEAN, 1, sent, 'toHost');
    expect(received.equals(sent)).toBe(true);
    expect(counts.toHost).toEqual({ bytes: sent.length, corrupted: 0, dropped: 0, frames: 50, duplicated: 0 });
  });

  it('corrupts about one byte in N, each a real change, and counts them', async () => {
    const sent = frames(1000, 99);
    const { received, counts } = await collect({ ...CLEAN, corruptOneIn: 200 }, 42, sent, 'toHost');
    expect(received.length).toBe(sent.length);
    const changed = differences(sent, received);
    expect(changed).toBe(counts.toHost.corrupted);
    // 100,000 bytes at 1 in 200: 500 expected; the bound is ~6 standard deviations.
    expect(changed).toBeGreaterThan(370);
    expect(changed).toBeLessThan(630);
  });

  it('drops about one byte in M on the host-to-NCP direction', async () => {
    const sent = frames(1000, 99);
    const { received, counts } = await collect({ ...CLEAN, dropOneIn: 500 }, 9, sent, 'toNcp');
    expect(counts.toNcp.dropped).toBe(sent.length - received.length);
    expect(counts.toNcp.dropped).toBeGreaterThan(130);
    expect(counts.toNcp.dropped).toBeLessThan(270);
    expect(counts.toHost.bytes).toBe(0);
  });

  it('duplicates whole frames', async () => {
    const sent = frames(400, 10);
    const { received, counts } = await collect({ ...CLEAN, duplicateOneIn: 20 }, 3, sent, 'toHost');
    expect(counts.toHost.duplicated).toBeGreaterThan(5);
    expect(received.length).toBe(sent.length + counts.toHost.duplicated * 11);
    const receivedFrames = received.toString('hex').split('7e').filter(Boolean);
    const sentFrames = sent.toString('hex').split('7e').filter(Boolean);
    // Each duplicate follows its original at once; collapsing those repeats gives back what was sent.
    expect(receivedFrames.filter((f, i) => f !== receivedFrames[i - 1])).toEqual(sentFrames);
  });

  it('leaves a direction that is not selected alone', async () => {
    const sent = frames(200, 50);
    const { received, counts } = await collect({ ...CLEAN, corruptOneIn: 10, dropOneIn: 10, directions: ['toHost'] }, 5, sent, 'toNcp');
    expect(received.equals(sent)).toBe(true);
    expect(counts.toNcp).toMatchObject({ corrupted: 0, dropped: 0 });
  });

  it('makes the same faults from the same seed, and different ones from another', async () => {
    const sent = frames(300, 40);
    const faults = { ...CLEAN, corruptOneIn: 50, dropOneIn: 70 };
    const first = await collect(faults, 1234, sent, 'toHost');
    const again = await collect(faults, 1234, sent, 'toHost');
    const other = await collect(faults, 4321, sent, 'toHost');
    expect(again.received.equals(first.received)).toBe(true);
    expect(other.received.equals(first.received)).toBe(false);
  });

  it('takes new rates at run time', async () => {
    const [hostSide, ncpSide] = memoryTransportPair('line');
    const faulty = new FaultyTransport(ncpSide, CLEAN, 1);
    await hostSide.open();
    await faulty.open();
    await faulty.write(frames(10, 10));
    faulty.setFaults({ dropOneIn: 1 });
    await faulty.write(frames(10, 10));
    expect(faulty.counts().toHost).toMatchObject({ bytes: 220, dropped: 110 });
    expect(faulty.currentFaults().dropOneIn).toBe(1);
  });
});
