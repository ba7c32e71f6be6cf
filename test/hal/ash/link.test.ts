import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { AshEndpoint, type AshEndpointOptions } from '../../../hal/ash/endpoint.js';
import { AshError } from '../../../hal/ash/link.js';
import { ResetCode } from '../../../hal/ash/codes.js';
import { memoryTransportPair, type MemoryTransport } from '../../../hal/transport/memory.js';
import { FaultyTransport, runUntil, seededRandom, settle, settleUntil } from './helpers.js';

interface Pair {
  clock: ManualClock;
  host: AshEndpoint;
  ncp: AshEndpoint;
  hostWire: FaultyTransport;
  hostEnd: MemoryTransport;
  ncpWire: FaultyTransport;
  hostGot: Buffer[];
  ncpGot: Buffer[];
}

const open: AshEndpoint[] = [];

afterEach(async () => {
  for (const endpoint of open.splice(0)) await endpoint.close();
});

async function connectedPair(seed = 1, extra: Partial<AshEndpointOptions> = {}): Promise<Pair> {
  const clock = new ManualClock();
  const [a, b] = memoryTransportPair('ash');
  const hostWire = new FaultyTransport(a, seed, 0.15);
  const ncpWire = new FaultyTransport(b, seed + 1000, 0.15);
  const host = new AshEndpoint({ role: 'host', transport: hostWire, clock, ...extra });
  const ncp = new AshEndpoint({ role: 'ncp', transport: ncpWire, clock, ...extra });
  open.push(host, ncp);
  const hostGot: Buffer[] = [];
  const ncpGot: Buffer[] = [];
  host.on('frame', (f) => hostGot.push(f));
  ncp.on('frame', (f) => ncpGot.push(f));
  await Promise.all([ncp.connect(), host.connect()]);
  return { clock, host, ncp, hostWire, hostEnd: a, ncpWire, hostGot, ncpGot };
}

/** Distinct EZSP-sized frames whose first two bytes carry their index. */
function frames(count: number, seed: number): Buffer[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const frame = Buffer.alloc(3 + Math.floor(random() * 100));
    for (let j = 0; j < frame.length; j++) frame[j] = Math.floor(random() * 256);
    frame.writeUInt16BE(i, 0);
    return frame;
  });
}

describe('AshEndpoint, host and NCP over an in-memory pair', () => {
  it('connects with RST/RSTACK and reports connected on both ends', async () => {
    const { host, ncp } = await connectedPair();
    expect(host.connected).toBe(true);
    expect(ncp.connected).toBe(true);
  });

  it('carries frames both ways exactly once and in order, resolving each send when acked', async () => {
    const { host, ncp, hostGot, ncpGot } = await connectedPair();
    const toNcp = frames(200, 7);
    const toHost = frames(200, 8);
    const sends = [...toNcp.map((f) => host.send(f)), ...toHost.map((f) => ncp.send(f))];
    // No timer has to fire on a clean line: everything is acknowledged without moving the clock.
    await settleUntil(() => ncpGot.length === 200 && hostGot.length === 200);
    await Promise.all(sends);
    expect(ncpGot).toEqual(toNcp);
    expect(hostGot).toEqual(toHost);
    expect(host.counters.retransmitted).toBe(0);
  });

  it('recovers from corrupted, dropped and duplicated bytes in both directions', async () => {
    const { clock, host, ncp, hostWire, ncpWire, hostGot, ncpGot } = await connectedPair(42);
    hostWire.enabled = true;
    ncpWire.enabled = true;
    const toNcp = frames(150, 9);
    const toHost = frames(150, 10);
    let settled = 0;
    const sends = [...toNcp.map((f) => host.send(f)), ...toHost.map((f) => ncp.send(f))];
    for (const send of sends) void send.finally(() => settled++);
    // The last ACKs may need a retransmission (and so clock time) before every send resolves.
    await runUntil(clock, () => settled === sends.length);
    await Promise.all(sends);
    expect(ncpGot).toEqual(toNcp);
    expect(hostGot).toEqual(toHost);
    // The faults really happened and were really repaired.
    for (const wire of [hostWire, ncpWire]) {
      const { corrupted, dropped, duplicated } = wire.faults;
      expect(Math.min(corrupted, dropped, duplicated)).toBeGreaterThan(0);
      expect(corrupted + dropped + duplicated).toBeGreaterThan(10);
    }
    expect(host.counters.retransmitted + ncp.counters.retransmitted).toBeGreaterThan(0);
    expect(host.decoder.counters.BAD_CRC + ncp.decoder.counters.BAD_CRC).toBeGreaterThan(0);
    expect(host.connected && ncp.connected).toBe(true);
  });

  it('on an NCP reset mid-stream: disconnects, rejects pending sends, and reconnects when asked', async () => {
    const { clock, host, ncp, ncpGot, hostGot } = await connectedPair();
    const disconnects: AshError[] = [];
    host.on('disconnected', (e) => disconnects.push(e));
    const first = frames(3, 11);
    await Promise.all(first.map((f) => host.send(f)));
    const pending = frames(5, 12).map((f) => host.send(f).then(() => 'acked', (e: unknown) => e));
    await ncp.resetAsNcp(ResetCode.WATCHDOG); // before the NCP has seen the new frames
    await runUntil(clock, () => disconnects.length > 0);
    expect(host.connected).toBe(false);
    expect(disconnects[0]).toBeInstanceOf(AshError);
    expect(disconnects[0]!.code).toBe('ASH_RESET');
    expect(disconnects[0]!.message).toContain('watchdog');
    const outcomes = await Promise.all(pending);
    const rejected = outcomes.filter((o): o is AshError => o instanceof AshError);
    expect(rejected.length).toBeGreaterThan(0);
    for (const error of rejected) expect(error.code).toBe('ASH_RESET');
    await expect(host.send(Buffer.from([1, 2, 3]))).rejects.toMatchObject({ code: 'ASH_NOT_CONNECTED' });

    await host.connect();
    expect(host.connected && ncp.connected).toBe(true);
    ncpGot.length = 0;
    const again = frames(20, 13);
    await Promise.all([...again.map((f) => host.send(f)), ncp.send(Buffer.from([9, 9, 9]))]);
    await settle();
    expect(ncpGot).toEqual(again);
    expect(hostGot.at(-1)).toEqual(Buffer.from([9, 9, 9]));
  });

  it('host reset(): rejects what is pending, resets the NCP (which says so) and carries on', async () => {
    const { host, ncp, ncpGot } = await connectedPair();
    const ncpEvents: string[] = [];
    ncp.on('disconnected', (e) => ncpEvents.push(`down ${e.code}`));
    ncp.on('connected', () => ncpEvents.push('up'));
    const pending = host.send(Buffer.from([1, 1, 1])).catch((e: unknown) => e);
    await host.reset();
    expect(await pending).toMatchObject({ code: 'ASH_RESET' });
    expect(host.connected).toBe(true);
    await settle();
    expect(ncpEvents).toEqual(['down ASH_RESET', 'up']);
    await host.send(Buffer.from([2, 2, 2]));
    expect(ncpGot.at(-1)).toEqual(Buffer.from([2, 2, 2]));
  });

  it('on an NCP ERROR: disconnects with ASH_NCP_ERROR, the NCP answers ERROR until reset', async () => {
    const { clock, host, ncp, ncpGot } = await connectedPair();
    const disconnects: AshError[] = [];
    host.on('disconnected', (e) => disconnects.push(e));
    ncp.fail(ResetCode.ASSERT);
    await runUntil(clock, () => disconnects.length > 0);
    expect(disconnects[0]!.code).toBe('ASH_NCP_ERROR');
    expect(ncp.connected).toBe(false);
    await host.connect();
    expect(ncp.connected).toBe(true);
    await host.send(Buffer.from([1, 2, 3, 4]));
    expect(ncpGot).toEqual([Buffer.from([1, 2, 3, 4])]);
  });

  it('fails the link after ACK_TIMEOUTS consecutive timeouts and rejects what was pending', async () => {
    const { clock, host, ncp, hostWire } = await connectedPair();
    const disconnects: AshError[] = [];
    host.on('disconnected', (e) => disconnects.push(e));
    await ncp.close(); // the NCP goes silent; the host's writes vanish
    const sent = host.send(Buffer.from([1, 2, 3])).catch((e: unknown) => e);
    await runUntil(clock, () => disconnects.length > 0, 60_000);
    expect(disconnects[0]!.code).toBe('ASH_TIMEOUT');
    expect(host.counters.ackTimeouts).toBe(4);
    expect(host.counters.retransmitted).toBe(3);
    expect(await sent).toMatchObject({ code: 'ASH_TIMEOUT' });
    expect(hostWire.faults.clean).toBeGreaterThan(0);
  });

  it('refuses frames longer than UG101 allows or shorter than an EZSP header', async () => {
    const { host } = await connectedPair();
    await expect(host.send(Buffer.alloc(129))).rejects.toMatchObject({ code: 'ASH_FRAME_TOO_LONG' });
    await expect(host.send(Buffer.alloc(2))).rejects.toMatchObject({ code: 'ASH_FRAME_TOO_SHORT' });
    await expect(host.send(Buffer.alloc(128))).resolves.toBeUndefined();
  });

  it('reports its transport closing as a disconnect, and reopens it on connect', async () => {
    const { host, ncp, hostEnd, ncpGot } = await connectedPair();
    const disconnects: AshError[] = [];
    host.on('disconnected', (e) => disconnects.push(e));
    const pending = host.send(Buffer.from([5, 5, 5])).catch((e: unknown) => e);
    await hostEnd.close();
    expect(disconnects.map((e) => e.code)).toEqual(['ASH_TRANSPORT_CLOSED']);
    expect(await pending).toMatchObject({ code: 'ASH_TRANSPORT_CLOSED' });
    await host.connect();
    expect(hostEnd.isOpen && host.connected && ncp.connected).toBe(true);
    await host.send(Buffer.from([6, 6, 6]));
    expect(ncpGot.at(-1)).toEqual(Buffer.from([6, 6, 6]));
  });

  it('an NCP whose host goes silent fails with ERROR(ACK timeouts) and reports ASH_TIMEOUT', async () => {
    const { clock, host, ncp } = await connectedPair();
    const disconnects: AshError[] = [];
    ncp.on('disconnected', (e) => disconnects.push(e));
    const pending = ncp.send(Buffer.from([5, 5, 5])).catch((e: unknown) => e);
    await host.close();
    await runUntil(clock, () => disconnects.length > 0, 60_000);
    expect(disconnects.map((e) => e.code)).toEqual(['ASH_TIMEOUT']);
    expect(await pending).toMatchObject({ code: 'ASH_TIMEOUT' });
    await expect(host.connect()).rejects.toMatchObject({ code: 'ASH_CLOSED' });
  });
});
