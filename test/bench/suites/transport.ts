import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { SerialTransport } from '../../../hal/transport/serial.js';
import { TcpTransportServer } from '../../../hal/transport/tcp-server.js';
import { TcpTransport } from '../../../hal/transport/tcp.js';
import type { Transport } from '../../../hal/transport/transport.js';
import { openPtyPair } from '../../helpers/pty.js';
import { ALTERNATION, alternate, costRatio, percentile, round, type BenchResult, type BenchSuite } from '../result.js';

/**
 * What our transports add to a round trip: one ASH-sized frame out and echoed back, through the
 * serial transport (pty pair, framed on 0x7E) and the TCP transport (127.0.0.1). Peers do the same
 * round trip on the same line with the bare library (a SerialPort without our framing and error
 * mapping; a net.Socket), alternated run by run, so the ratio is our overhead, not the line's speed.
 */
const ROUND_TRIPS = 300;
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

const CACHING = 'none to speak of: each run opens its port or connection, warms it with 50 round trips, then reuses it for its own; both sides alike';

/** One run's round-trip percentiles, in µs. */
const figures = (samples: number[]) => ({ p50: us(percentile(samples, 50)), p99: us(percentile(samples, 99)) });

function* compared(name: string, peer: string, measured: Record<'ours' | 'peer', { p50: number; p99: number }>, span: string): Iterable<BenchResult> {
  const [o, t] = [measured.ours.p50, measured.peer.p50];
  // The p99 of a round trip through a pty or loopback is the scheduler's on a shared machine: a note, not a row.
  const tail = `p99 ${measured.ours.p99} µs against ${measured.peer.p99} µs (medians of the runs' p99; a tail, not stable between reruns)`;
  yield { metric: `${name} p50`, value: o, unit: 'µs', peer, peer_value: t, ratio: costRatio(o, t), span, caching: CACHING, note: `${ROUND_TRIPS} round trips per run, ${ALTERNATION}; ${tail}` };
}

async function* serialRoundTrip(): AsyncIterable<BenchResult> {
  const pair = await openPtyPair();
  // The far end echoes for both sides alike, so only the near end differs.
  const far = new SerialTransport({ path: pair.b, baudRate: 115200, framing: 'raw' });
  try {
    await far.open();
    echo(far);
    const ours = async () => {
      const near = new SerialTransport({ path: pair.a, baudRate: 115200 });
      await near.open();
      try {
        return figures(await roundTrips((b) => near.write(b), (fn) => near.on('data', counting(FRAME.length, fn))));
      } finally {
        await near.close();
      }
    };
    const peer = async () => {
      const bare = new SerialPort({ path: pair.a, baudRate: 115200, autoOpen: false });
      await new Promise<void>((resolve, reject) => bare.open((e) => (e ? reject(e) : resolve())));
      try {
        return figures(await roundTrips(
          (b) => new Promise<void>((resolve) => bare.write(b, () => resolve())),
          (fn) => bare.on('data', counting(FRAME.length, fn)),
        ));
      } finally {
        await new Promise<void>((resolve) => bare.close(() => resolve()));
      }
    };
    const span = `from writing a ${FRAME.length}-byte frame at the near end of a socat pty pair to having its echo back, the far end echoing with our raw SerialTransport for both; ours: SerialTransport framed on 0x7E, peer: a bare SerialPort, unframed`;
    yield* compared('serial frame round trip', 'serialport (unframed)', await alternate({ ours, peer }), span);
  } finally {
    await far.close();
    await pair.close();
  }
}

async function* tcpRoundTrip(): AsyncIterable<BenchResult> {
  const server = new TcpTransportServer({ port: 0 });
  server.on('connection', echo);
  const { port } = await server.listen();
  const raw = createServer({ noDelay: true }, (s: Socket) => s.on('data', (d) => s.write(d)));
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  const rawPort = (raw.address() as { port: number }).port;
  try {
    const ours = async () => {
      const near = TcpTransport.client({ host: '127.0.0.1', port });
      await near.open();
      try {
        return figures(await roundTrips((b) => near.write(b), (fn) => near.on('data', counting(FRAME.length, fn))));
      } finally {
        await near.close();
      }
    };
    const peer = async () => {
      const socket = connect({ host: '127.0.0.1', port: rawPort, noDelay: true });
      await once(socket, 'connect');
      try {
        return figures(await roundTrips(
          (b) => new Promise<void>((resolve) => socket.write(b, () => resolve())),
          (fn) => socket.on('data', counting(FRAME.length, fn)),
        ));
      } finally {
        socket.destroy();
      }
    };
    const span = `from writing a ${FRAME.length}-byte frame on 127.0.0.1 to having its echo back; ours: TcpTransport client to a TcpTransportServer echoing, peer: a net.Socket to a net.Server echoing (both ends differ: what our transports add on both), TCP_NODELAY on both`;
    yield* compared('tcp frame round trip', 'net.Socket', await alternate({ ours, peer }), span);
  } finally {
    await server.close();
    raw.close();
  }
}

const suite: BenchSuite = async function* () {
  yield* serialRoundTrip();
  yield* tcpRoundTrip();
};

export default suite;
