import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { SerialTransport } from '../../../hal/transport/serial.js';
import { TcpTransportServer } from '../../../hal/transport/tcp-server.js';
import { TcpTransport } from '../../../hal/transport/tcp.js';
import type { Transport } from '../../../hal/transport/transport.js';
import { openPtyPair } from '../../helpers/pty.js';
import { costRatio, percentile, round, type BenchResult, type BenchSuite } from '../result.js';

/**
 * What our transports add to a round trip: one ASH-sized frame out and echoed back, through the
 * serial transport (pty pair, framed on 0x7E) and the TCP transport (127.0.0.1). Peers do the same
 * round trip on the same line with the bare library (a SerialPort without our framing and error
 * mapping; a net.Socket), so the ratio is our overhead, not the line's speed.
 */
const ROUND_TRIPS = 500;
/** 40 body bytes (none of them the flag) and a closing flag: the size of a typical EZSP-in-ASH frame. */
const FRAME = Buffer.from([...Array.from({ length: 40 }, (_, i) => (i * 37 + 1) & 0xff).map((b) => (b === 0x7e ? 0x7d : b)), 0x7e]);

const us = (ms: number): number => round(ms * 1000, 1);

async function roundTrips(send: (b: Buffer) => Promise<void> | void, onReply: (fn: () => void) => void): Promise<number[]> {
  const samples: number[] = [];
  let waiting: (() => void) | undefined;
  onReply(() => waiting?.());
  for (let i = 0; i < ROUND_TRIPS + 50; i++) {
    const start = performance.now();
    const replied = new Promise<void>((resolve) => (waiting = resolve));
    await send(FRAME);
    await replied;
    if (i >= 50) samples.push(performance.now() - start); // the first 50 warm the JIT
  }
  return samples;
}

/** Wait until `length` bytes arrived since the last reply, then signal one reply. */
function counting(length: number, signal: () => void): (chunk: Buffer) => void {
  let got = 0;
  return (chunk) => {
    got += chunk.length;
    if (got >= length) {
      got -= length;
      signal();
    }
  };
}

function echo(transport: Transport): void {
  transport.on('data', (chunk) => void transport.write(chunk));
}

async function* serialRoundTrip(): AsyncIterable<BenchResult> {
  const pair = await openPtyPair();
  try {
    const far = new SerialTransport({ path: pair.b, baudRate: 115200, framing: 'raw' });
    await far.open();
    echo(far);
    const near = new SerialTransport({ path: pair.a, baudRate: 115200 });
    await near.open();
    const ours = await roundTrips((b) => near.write(b), (fn) => near.on('data', counting(FRAME.length, fn)));
    await near.close();

    const bare = new SerialPort({ path: pair.a, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => bare.open((e) => (e ? reject(e) : resolve())));
    const peer = await roundTrips(
      (b) => new Promise<void>((resolve) => bare.write(b, () => resolve())),
      (fn) => bare.on('data', counting(FRAME.length, fn)),
    );
    await new Promise<void>((resolve) => bare.close(() => resolve()));
    await far.close();
    const note = `${ROUND_TRIPS} round trips of a ${FRAME.length}-byte frame over a socat pty pair, echoed; peer is a bare SerialPort on the same pty`;
    for (const p of [50, 99]) {
      const [o, t] = [us(percentile(ours, p)), us(percentile(peer, p))];
      yield { metric: `serial frame round trip p${p}`, value: o, unit: 'µs', peer: 'serialport (unframed)', peer_value: t, ratio: costRatio(o, t), note };
    }
  } finally {
    await pair.close();
  }
}

async function* tcpRoundTrip(): AsyncIterable<BenchResult> {
  const server = new TcpTransportServer({ port: 0 });
  server.on('connection', echo);
  const { port } = await server.listen();
  const near = TcpTransport.client({ host: '127.0.0.1', port });
  await near.open();
  const ours = await roundTrips((b) => near.write(b), (fn) => near.on('data', counting(FRAME.length, fn)));
  await near.close();
  await server.close();

  const raw = createServer({ noDelay: true }, (s: Socket) => s.on('data', (d) => s.write(d)));
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  const rawPort = (raw.address() as { port: number }).port;
  const socket = connect({ host: '127.0.0.1', port: rawPort, noDelay: true });
  await once(socket, 'connect');
  const peer = await roundTrips(
    (b) => new Promise<void>((resolve) => socket.write(b, () => resolve())),
    (fn) => socket.on('data', counting(FRAME.length, fn)),
  );
  socket.destroy();
  raw.close();
  const note = `${ROUND_TRIPS} round trips of a ${FRAME.length}-byte frame over 127.0.0.1, echoed; peer is a bare net.Socket pair`;
  for (const p of [50, 99]) {
    const [o, t] = [us(percentile(ours, p)), us(percentile(peer, p))];
    yield { metric: `tcp frame round trip p${p}`, value: o, unit: 'µs', peer: 'net.Socket', peer_value: t, ratio: costRatio(o, t), note };
  }
}

const suite: BenchSuite = async function* () {
  yield* serialRoundTrip();
  yield* tcpRoundTrip();
};

export default suite;
