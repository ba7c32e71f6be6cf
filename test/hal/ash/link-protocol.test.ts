import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock, ManualClock } from '../../../hal/clock.js';
import { AshEndpoint } from '../../../hal/ash/endpoint.js';
import { ResetCode } from '../../../hal/ash/codes.js';
import type { AshFrame } from '../../../hal/ash/frame.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { RawPeer, settle } from './helpers.js';

/** One endpoint under test against a hand-driven peer that speaks raw ASH frames. */
async function hostAgainstRawNcp(): Promise<{ clock: ManualClock; host: AshEndpoint; peer: RawPeer; got: Buffer[] }> {
  const clock = new ManualClock();
  const [a, b] = memoryTransportPair('raw');
  await b.open();
  const peer = new RawPeer(b);
  const host = new AshEndpoint({ role: 'host', transport: a, clock });
  endpoints.push(host);
  const got: Buffer[] = [];
  host.on('frame', (f) => got.push(f));
  const connecting = host.connect();
  await settle();
  expect(peer.kinds()).toEqual(['RST']);
  peer.take();
  await peer.write(peer.encoder.encodeRstAck(ResetCode.SOFTWARE));
  await connecting;
  return { clock, host, peer, got };
}

const endpoints: AshEndpoint[] = [];
afterEach(async () => {
  for (const endpoint of endpoints.splice(0)) await endpoint.close();
});

const payload = (n: number): Buffer => Buffer.from([n, n, n, n]);
const data = (f: AshFrame): Extract<AshFrame, { kind: 'DATA' }> => {
  if (f.kind !== 'DATA') throw new Error(`expected DATA, got ${f.kind}`);
  return f;
};

describe('AshEndpoint protocol details (host against a raw NCP)', () => {
  it('acknowledges each received DATA frame and hands a retransmitted duplicate up only once', async () => {
    const { peer, got } = await hostAgainstRawNcp();
    await peer.write(peer.encoder.encodeData(0, 0, false, payload(1)));
    await peer.write(peer.encoder.encodeData(0, 0, true, payload(1)));
    expect(got).toEqual([payload(1)]);
    expect(peer.take()).toEqual([
      { kind: 'ACK', ackNum: 1, notReady: false },
      { kind: 'ACK', ackNum: 1, notReady: false },
    ]);
  });

  it('NAKs the first out-of-sequence frame only, and leaves Reject on the next good frame', async () => {
    const { peer, got } = await hostAgainstRawNcp();
    await peer.write(peer.encoder.encodeData(1, 0, false, payload(2))); // frame 0 was lost
    await peer.write(peer.encoder.encodeData(2, 0, false, payload(3)));
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 0, notReady: false }]);
    await peer.write(
      Buffer.concat([peer.encoder.encodeData(0, 0, true, payload(1)), peer.encoder.encodeData(1, 0, true, payload(2))]),
    );
    expect(got).toEqual([payload(1), payload(2)]);
    expect(peer.take()).toEqual([{ kind: 'ACK', ackNum: 2, notReady: false }]);
    // Reject was cleared, so the next gap earns a NAK again.
    await peer.write(peer.encoder.encodeData(3, 0, false, payload(4)));
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 2, notReady: false }]);
  });

  it('NAKs a corrupted DATA frame', async () => {
    const { peer, got } = await hostAgainstRawNcp();
    const frame = peer.encoder.encodeData(0, 0, false, payload(1));
    frame[3]! ^= 0x04;
    await peer.write(frame);
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 0, notReady: false }]);
    expect(got).toEqual([]);
  });

  it('sends DATA with the window limit and piggy-backs the ACK it owes', async () => {
    const { host, peer } = await hostAgainstRawNcp();
    await peer.write(peer.encoder.encodeData(0, 0, false, payload(9)));
    peer.take();
    const sends = [1, 2, 3, 4, 5].map((n) => host.send(payload(n)));
    await settle();
    const first = peer.take().map(data);
    expect(first.map((f) => [f.frmNum, f.ackNum, f.reTx])).toEqual([
      [0, 1, false],
      [1, 1, false],
      [2, 1, false],
    ]);
    // A DATA frame from the NCP acknowledging two of them; the host's next DATA carries the ACK for it.
    await peer.write(peer.encoder.encodeData(1, 2, false, payload(8)));
    const next = peer.take();
    expect(next.map((f) => f.kind)).toEqual(['DATA', 'DATA']);
    expect(next.map(data).map((f) => [f.frmNum, f.ackNum])).toEqual([
      [3, 2],
      [4, 2],
    ]);
    await peer.write(peer.encoder.encodeAck(5));
    await Promise.all(sends);
  });

  it('retransmits unacknowledged frames with reTx after t_rx_ack (1.6 s at first), and on NAK at once', async () => {
    const { clock, host, peer } = await hostAgainstRawNcp();
    const sent = host.send(payload(1));
    await settle();
    expect(peer.take().map(data).map((f) => f.reTx)).toEqual([false]);
    await clock.advance(1599);
    await settle();
    expect(peer.take()).toEqual([]);
    await clock.advance(1);
    await settle();
    expect(peer.take().map(data).map((f) => [f.frmNum, f.reTx])).toEqual([[0, true]]);
    await peer.write(peer.encoder.encodeNak(0));
    expect(peer.take().map(data).map((f) => [f.frmNum, f.reTx])).toEqual([[0, true]]);
    await peer.write(peer.encoder.encodeAck(1));
    await expect(sent).resolves.toBeUndefined();
  });

  it('ignores acknowledgements of frames it never sent', async () => {
    const { host, peer } = await hostAgainstRawNcp();
    let resolved = false;
    void host.send(payload(1)).then(() => (resolved = true));
    await settle();
    await peer.write(peer.encoder.encodeAck(4));
    expect(resolved).toBe(false);
    expect(host.counters.badAckNumbers).toBe(1);
    await peer.write(peer.encoder.encodeAck(1));
    expect(resolved).toBe(true);
  });

  it('reports nRdy from the peer, and carries its own in ACKs when not ready', async () => {
    const { clock, host, peer } = await hostAgainstRawNcp();
    await peer.write(peer.encoder.encodeAck(0, true));
    expect(host.peerReady).toBe(false);
    await clock.advance(1000);
    expect(host.peerReady).toBe(true);
    host.setReceiveReady(false);
    await settle();
    expect(peer.take()).toEqual([{ kind: 'ACK', ackNum: 0, notReady: true }]);
  });

  it('disconnects on an unsolicited RSTACK', async () => {
    const { host, peer } = await hostAgainstRawNcp();
    const codes: string[] = [];
    host.on('disconnected', (e) => codes.push(e.code));
    await peer.write(peer.encoder.encodeRstAck(ResetCode.POWER_ON));
    expect(codes).toEqual(['ASH_RESET']);
    expect(host.connected).toBe(false);
  });
});

describe('AshEndpoint reset handshake (host)', () => {
  async function rawPair(): Promise<{ clock: ManualClock; host: AshEndpoint; peer: RawPeer }> {
    const clock = new ManualClock();
    const [a, b] = memoryTransportPair('raw');
    await b.open();
    const host = new AshEndpoint({ role: 'host', transport: a, clock });
    endpoints.push(host);
    return { clock, host, peer: new RawPeer(b) };
  }

  it('resends RST every 5 s and gives up after 3 with ASH_TIMEOUT, naming the last ERROR', async () => {
    const { clock, host, peer } = await rawPair();
    const outcome = host.connect().catch((e: unknown) => e);
    await settle();
    await peer.write(peer.encoder.encodeError(ResetCode.WATCHDOG));
    for (let i = 0; i < 3; i++) await clock.advance(5000);
    expect(peer.kinds()).toEqual(['RST', 'RST', 'RST']);
    const error = await outcome;
    expect(error).toMatchObject({ code: 'ASH_TIMEOUT' });
    expect(String(error)).toContain('watchdog');
    expect(host.connected).toBe(false);
  });

  it('waits past an RSTACK that does not answer its RST, and refuses another ASH version', async () => {
    const { host, peer } = await rawPair();
    const outcome = host.connect().catch((e: unknown) => e);
    await settle();
    await peer.write(peer.encoder.encodeRstAck(ResetCode.POWER_ON));
    expect(host.connected).toBe(false);
    await peer.write(peer.encoder.encodeRstAck(ResetCode.SOFTWARE, 3));
    expect(await outcome).toMatchObject({ code: 'ASH_VERSION_MISMATCH' });
  });
});

describe('AshEndpoint as NCP against a raw host', () => {
  it('answers RST with RSTACK(2, SOFTWARE) and answers everything with ERROR once failed', async () => {
    const clock = new ManualClock();
    const [a, b] = memoryTransportPair('raw');
    await a.open();
    const host = new RawPeer(a);
    const ncp = new AshEndpoint({ role: 'ncp', transport: b, clock });
    endpoints.push(ncp);
    const connected = ncp.connect();
    await settle();
    await host.write(host.encoder.encodeRst());
    await connected;
    expect(host.take()).toEqual([{ kind: 'RSTACK', version: 2, resetCode: ResetCode.SOFTWARE }]);
    ncp.fail(ResetCode.ASSERT);
    await settle();
    await host.write(host.encoder.encodeData(0, 0, false, payload(1)));
    expect(host.take()).toEqual([
      { kind: 'ERROR', version: 2, errorCode: ResetCode.ASSERT },
      { kind: 'ERROR', version: 2, errorCode: ResetCode.ASSERT },
    ]);
    await host.write(host.encoder.encodeRst());
    expect(host.take()).toEqual([{ kind: 'RSTACK', version: 2, resetCode: ResetCode.SOFTWARE }]);
    expect(ncp.connected).toBe(true);
  });
});

describe('AshEndpoint refusals', () => {
  it('refuses options the protocol cannot work with, naming the option', () => {
    const [a] = memoryTransportPair('options');
    const make = (extra: object) => () => new AshEndpoint({ role: 'host', transport: a, clock: new SystemClock(), ...extra });
    expect(make({ window: 8 })).toThrow(expect.objectContaining({ code: 'ASH_BAD_OPTIONS', where: 'AshEndpoint options.window' }));
    expect(make({ window: 0 })).toThrow(expect.objectContaining({ code: 'ASH_BAD_OPTIONS' }));
    expect(make({ maxDataLength: 300 })).toThrow(expect.objectContaining({ where: 'AshEndpoint options.maxDataLength' }));
    expect(make({ ackTimeMinMs: 5000 })).toThrow(expect.objectContaining({ where: 'AshEndpoint options.ackTimeInitMs' }));
    expect(make({ window: 7, maxDataLength: 220 })).not.toThrow();
  });

  it('refuses NCP-only operations on a host, and everything once closed', async () => {
    const [a] = memoryTransportPair('roles');
    const host = new AshEndpoint({ role: 'host', transport: a, clock: new SystemClock() });
    expect(() => host.fail(ResetCode.ASSERT)).toThrow(expect.objectContaining({ code: 'ASH_WRONG_ROLE' }));
    await expect(host.resetAsNcp(ResetCode.POWER_ON)).rejects.toMatchObject({ code: 'ASH_WRONG_ROLE' });
    await host.close();
    await expect(host.connect()).rejects.toMatchObject({ code: 'ASH_CLOSED' });
    await expect(host.send(payload(1))).rejects.toMatchObject({ code: 'ASH_NOT_CONNECTED' });
    const [, b] = memoryTransportPair('closed-ncp');
    const ncp = new AshEndpoint({ role: 'ncp', transport: b, clock: new SystemClock() });
    await ncp.close();
    await expect(ncp.resetAsNcp(ResetCode.POWER_ON)).rejects.toMatchObject({ code: 'ASH_CLOSED' });
    expect(ncp.connected).toBe(false);
  });
});
