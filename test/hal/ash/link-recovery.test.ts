import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { AshEndpoint } from '../../../hal/ash/endpoint.js';
import { ResetCode } from '../../../hal/ash/codes.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { RawPeer, settle } from './helpers.js';

/**
 * How the link recovers from losses without waiting for an ACK timer: the NAKs beyond UG101's one
 * per Reject condition, the answer to a NAK, a frame whose Flag was lost, a damaged RSTACK. Only
 * the lost-Flag case moves the clock (by 50 ms); no recovery here needs t_rx_ack.
 */

const endpoints: AshEndpoint[] = [];
afterEach(async () => {
  for (const endpoint of endpoints.splice(0)) await endpoint.close();
});

async function hostAgainstRawNcp(clock = new ManualClock()): Promise<{ host: AshEndpoint; peer: RawPeer; got: Buffer[] }> {
  const [a, b] = memoryTransportPair('raw');
  await b.open();
  const peer = new RawPeer(b);
  const host = new AshEndpoint({ role: 'host', transport: a, clock });
  endpoints.push(host);
  const got: Buffer[] = [];
  host.on('frame', (f) => got.push(f));
  const connecting = host.connect();
  await settle();
  peer.take();
  await peer.write(peer.encoder.encodeRstAck(ResetCode.SOFTWARE));
  await connecting;
  return { host, peer, got };
}

const payload = (n: number): Buffer => Buffer.from([n, n, n, n]);
const corrupted = (frame: Buffer): Buffer => {
  const copy = Buffer.from(frame);
  copy[2]! ^= 0x04; // inside the data or CRC, never the control byte or the Flag
  return copy;
};

describe('AshEndpoint recovery without timers', () => {
  it('in Reject, NAKs again when a retransmission still leaves the gap, but not for new frames', async () => {
    const { peer, got } = await hostAgainstRawNcp();
    await peer.write(peer.encoder.encodeData(1, 0, false, payload(2))); // frame 0 lost
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 0, notReady: false }]);
    await peer.write(peer.encoder.encodeData(2, 0, false, payload(3)));
    expect(peer.take()).toEqual([]);
    // The peer goes back; its frame 0 is lost again, frame 1 arrives retransmitted.
    await peer.write(Buffer.concat([corrupted(peer.encoder.encodeData(0, 0, true, payload(1))), peer.encoder.encodeData(1, 0, true, payload(2))]));
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 0, notReady: false }]);
    await peer.write(Buffer.concat([0, 1, 2].map((n) => peer.encoder.encodeData(n, 0, true, payload(n + 1)))));
    expect(got).toEqual([payload(1), payload(2), payload(3)]);
    expect(peer.take()).toEqual([{ kind: 'ACK', ackNum: 3, notReady: false }]);
  });

  it('in Reject, NAKs a go-back that skips the awaited frame once, and ACKs the rest of it, however it is chunked', async () => {
    const { peer, host, got } = await hostAgainstRawNcp();
    await peer.write(peer.encoder.encodeData(1, 0, false, payload(2))); // frame 0 lost
    await peer.write(peer.encoder.encodeData(2, 0, false, payload(3)));
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 0, notReady: false }]);
    // The go-back loses frame 0 again; its other frames come one read each, as a Flag-delimited port hands them up.
    await peer.write(corrupted(peer.encoder.encodeData(0, 0, true, payload(1))));
    await peer.write(peer.encoder.encodeData(1, 0, true, payload(2)));
    await peer.write(peer.encoder.encodeData(2, 0, true, payload(3)));
    expect(peer.take()).toEqual([
      { kind: 'NAK', ackNum: 0, notReady: false },
      { kind: 'ACK', ackNum: 0, notReady: false },
      { kind: 'ACK', ackNum: 0, notReady: false },
    ]);
    // Lost again without a trace (no damaged frame): the frame that does not follow its predecessor tells.
    await peer.write(peer.encoder.encodeData(1, 0, true, payload(2)));
    await peer.write(peer.encoder.encodeData(2, 0, true, payload(3)));
    expect(peer.take()).toEqual([
      { kind: 'NAK', ackNum: 0, notReady: false },
      { kind: 'ACK', ackNum: 0, notReady: false },
    ]);
    await peer.write(Buffer.concat([0, 1, 2].map((n) => peer.encoder.encodeData(n, 0, true, payload(n + 1)))));
    expect(got).toEqual([payload(1), payload(2), payload(3)]);
    expect(host.counters.naksSent).toBe(3);
  });

  it('in Reject, says nothing for damaged or out-of-sequence new frames', async () => {
    const { peer } = await hostAgainstRawNcp();
    await peer.write(peer.encoder.encodeData(1, 0, false, payload(2))); // frame 0 lost
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 0, notReady: false }]);
    await peer.write(corrupted(peer.encoder.encodeData(2, 0, false, payload(3))));
    await peer.write(peer.encoder.encodeData(3, 0, false, payload(4)));
    expect(peer.take()).toEqual([]);
  });

  it('NAKs a corrupted ACK without entering Reject, so a later gap still earns its own NAK', async () => {
    const { peer, host } = await hostAgainstRawNcp();
    await peer.write(corrupted(peer.encoder.encodeAck(0)));
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 0, notReady: false }]);
    await peer.write(peer.encoder.encodeData(1, 0, false, payload(2)));
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 0, notReady: false }]);
    expect(host.counters.naksSent).toBe(2);
  });

  it('answers a NAK with an ACK saying where it is, when it has nothing to resend', async () => {
    const { peer } = await hostAgainstRawNcp();
    await peer.write(peer.encoder.encodeData(0, 0, false, payload(1)));
    expect(peer.take()).toEqual([{ kind: 'ACK', ackNum: 1, notReady: false }]);
    await peer.write(peer.encoder.encodeNak(0));
    expect(peer.take()).toEqual([{ kind: 'ACK', ackNum: 1, notReady: false }]);
  });

  it('answers a NAK with a NAK while in Reject, once per Reject condition, so two ends cannot NAK forever', async () => {
    const { peer } = await hostAgainstRawNcp();
    await peer.write(peer.encoder.encodeData(1, 0, false, payload(2))); // frame 0 lost
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 0, notReady: false }]);
    await peer.write(peer.encoder.encodeNak(0));
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 0, notReady: false }]);
    await peer.write(peer.encoder.encodeNak(0));
    expect(peer.take()).toEqual([{ kind: 'ACK', ackNum: 0, notReady: false }]);
  });

  it('NAKs a frame whose Flag was lost once the line has been quiet inside it for partialFrameTimeoutMs', async () => {
    const clock = new ManualClock();
    const { peer, got } = await hostAgainstRawNcp(clock);
    const frame = peer.encoder.encodeData(0, 0, false, payload(1));
    await peer.write(frame.subarray(0, frame.length - 1)); // the closing Flag never arrives
    await clock.advance(49);
    await settle();
    expect(peer.take()).toEqual([]);
    await clock.advance(1);
    await settle();
    expect(peer.take()).toEqual([{ kind: 'NAK', ackNum: 0, notReady: false }]);
    await peer.write(peer.encoder.encodeData(0, 0, true, payload(1)));
    expect(got).toEqual([payload(1)]);
  });

  it('asks again at once when the RSTACK answering its RST arrives damaged', async () => {
    const [a, b] = memoryTransportPair('raw');
    await b.open();
    const peer = new RawPeer(b);
    const host = new AshEndpoint({ role: 'host', transport: a, clock: new ManualClock() });
    endpoints.push(host);
    const connecting = host.connect();
    await settle();
    expect(peer.kinds()).toEqual(['RST']);
    peer.take();
    await peer.write(corrupted(peer.encoder.encodeRstAck(ResetCode.SOFTWARE)));
    expect(peer.kinds()).toEqual(['RST']);
    await peer.write(peer.encoder.encodeRstAck(ResetCode.SOFTWARE));
    await connecting;
    expect(host.connected).toBe(true);
  });

  it('resends its own unacknowledged DATA on a NAK, carrying the acknowledgement instead of a separate ACK', async () => {
    const { host, peer } = await hostAgainstRawNcp();
    const sent = host.send(payload(7));
    await settle();
    expect(peer.take().map((f) => f.kind)).toEqual(['DATA']);
    await peer.write(peer.encoder.encodeNak(0));
    expect(peer.take()).toEqual([{ kind: 'DATA', frmNum: 0, ackNum: 0, reTx: true, data: payload(7) }]);
    await peer.write(peer.encoder.encodeAck(1));
    await sent;
  });
});
