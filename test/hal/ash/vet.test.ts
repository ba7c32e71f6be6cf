import { afterEach, describe, expect, it } from 'vitest';
import { AshEndpoint } from '../../../hal/ash/endpoint.js';
import { ManualClock } from '../../../hal/clock.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { runUntil } from './helpers.js';

/**
 * A frame that passes ASH's CRC can still be damage (a 16-bit CRC lets about one damaged frame in
 * 65,536 through). When the layer above cannot read it, the link must treat it as damaged — NAK it
 * and take the retransmission — instead of acknowledging it and losing it.
 */
const open: AshEndpoint[] = [];
afterEach(async () => {
  for (const endpoint of open.splice(0)) await endpoint.close();
});

async function pair() {
  const clock = new ManualClock();
  const [a, b] = memoryTransportPair('vet');
  const host = new AshEndpoint({ role: 'host', transport: a, clock });
  const ncp = new AshEndpoint({ role: 'ncp', transport: b, clock });
  open.push(host, ncp);
  const got: Buffer[] = [];
  host.on('frame', (frame) => got.push(Buffer.from(frame)));
  await Promise.all([ncp.connect(), host.connect()]);
  return { clock, host, ncp, got };
}

describe('AshEndpoint.vetFrames', () => {
  it('NAKs a frame the layer above refuses, and hands up the retransmission exactly once, in order', async () => {
    const { clock, host, ncp, got } = await pair();
    let refusalsLeft = 1;
    host.vetFrames((frame) => !(frame[0] === 2 && refusalsLeft-- > 0));
    const sent = [1, 2, 3].map((n) => Buffer.from([n, 0xaa, 0xbb, n]));
    const acked = Promise.all(sent.map((frame) => ncp.send(frame)));
    await runUntil(clock, () => got.length === 3);
    await acked;
    expect(got).toEqual(sent);
    expect(host.counters.vetoed).toBe(1);
    expect(host.counters.naksSent).toBeGreaterThanOrEqual(1);
    expect(ncp.counters.retransmitted).toBeGreaterThanOrEqual(1);
  });

  it('hands a frame up after a few refusals, so a frame the layer above merely does not know never stalls the link', async () => {
    const { clock, host, ncp, got } = await pair();
    host.vetFrames(() => false);
    const frame = Buffer.from([9, 9, 9]);
    const acked = ncp.send(frame);
    await runUntil(clock, () => got.length === 1);
    await acked;
    expect(got).toEqual([frame]);
    expect(host.counters.vetoed).toBe(3);
    expect(host.connected).toBe(true);
  });
});
