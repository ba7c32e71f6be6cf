import { DelimiterParser } from '@serialport/parser-delimiter';
import { ManualClock } from '../../../hal/clock.js';
import { AshEndpoint, type AshEndpointOptions } from '../../../hal/ash/endpoint.js';
import { ASH_FLAG } from '../../../hal/transport/serial.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import type { Transport } from '../../../hal/transport/transport.js';
import { runUntil, TransportWrapper } from './helpers.js';

/**
 * How the serial transport hands bytes up: `ash` through the same DelimiterParser it uses (a chunk
 * per Flag, bytes after the last Flag held until the next), `raw` as they were read.
 */
export type Framing = 'ash' | 'raw';

/** What the line does to the byte at a position in one direction's stream (counting from 0). */
export type Fault = 'drop' | 'corrupt';
export type FaultPattern = ReadonlyMap<number, Fault>;

/** Faults spread at random, `oneIn` bytes apart on average, over the first `span` bytes. */
export function spreadFaults(random: () => number, oneIn: number, span: number, kinds: readonly Fault[] = ['drop']): Map<number, Fault> {
  const faults = new Map<number, Fault>();
  for (let at = 0; at < span; at++) {
    if (random() * oneIn < 1) faults.set(at, kinds[Math.floor(random() * kinds.length)]!);
  }
  return faults;
}

/**
 * The receiving side of one direction of a serial line: applies a fault pattern to the bytes as
 * they pass, then hands them up as `framing` says. Also counts the Flags its own end writes, which
 * is the number of frames that end sent.
 */
export class NoisyLineEnd extends TransportWrapper {
  framesWritten = 0;
  bytesRead = 0;
  faultsApplied = 0;
  faults: FaultPattern = new Map();
  private readonly parser: DelimiterParser | undefined;

  constructor(inner: Transport, framing: Framing) {
    super(inner, 'noisy');
    if (framing === 'ash') {
      this.parser = new DelimiterParser({ delimiter: [ASH_FLAG], includeDelimiter: true });
      this.parser.on('data', (chunk: Buffer) => this.emit('data', chunk));
    }
    inner.on('data', (chunk) => this.receive(chunk));
  }

  write(bytes: Uint8Array): Promise<void> {
    for (const byte of bytes) if (byte === ASH_FLAG) this.framesWritten++;
    return this.inner.write(bytes);
  }

  private receive(chunk: Buffer): void {
    const kept: number[] = [];
    for (const byte of chunk) {
      const fault = this.faults.get(this.bytesRead++);
      if (fault !== undefined) this.faultsApplied++;
      if (fault === 'drop') continue;
      kept.push(fault === 'corrupt' ? byte ^ 0x21 : byte);
    }
    if (kept.length === 0) return;
    if (this.parser) this.parser.write(Buffer.from(kept));
    else this.emit('data', Buffer.from(kept));
  }
}

/** Clock time the line runs on after the last delivery, so answers still in flight are counted. */
const TAIL_MS = 5000;

export interface NoisyRun {
  delivered: { toHost: number; toNcp: number };
  /** Frames each end sent after connecting. */
  sent: { host: number; ncp: number };
  faults: { toHost: number; toNcp: number };
  failed: string | undefined;
  host: AshEndpoint;
  ncp: AshEndpoint;
}

export interface NoisyRunOptions {
  framing: Framing;
  toHost: number;
  toNcp: number;
  faultsToHost?: FaultPattern;
  faultsToNcp?: FaultPattern;
  /** Clock time the run may take (the ACK timers recover what no NAK can). */
  limitMs?: number;
  link?: Partial<AshEndpointOptions>;
}

/**
 * A host and an NCP endpoint over an in-memory line, each end reading through a NoisyLineEnd.
 * The line is clean while they connect; then `toHost` DATA frames go from the NCP and `toNcp` from
 * the host under the fault patterns, until all have arrived, the link fails, or `limitMs` of clock
 * time has passed. Counts the frames each end wrote meanwhile.
 */
export async function noisyRun(options: NoisyRunOptions): Promise<NoisyRun> {
  const clock = new ManualClock();
  const [a, b] = memoryTransportPair('noisy');
  const hostEnd = new NoisyLineEnd(a, options.framing);
  const ncpEnd = new NoisyLineEnd(b, options.framing);
  const host = new AshEndpoint({ role: 'host', transport: hostEnd, clock, ...options.link });
  const ncp = new AshEndpoint({ role: 'ncp', transport: ncpEnd, clock, ...options.link });
  const delivered = { toHost: 0, toNcp: 0 };
  let failed: string | undefined;
  try {
    await Promise.all([ncp.connect(), host.connect()]);
    host.on('frame', () => delivered.toHost++);
    ncp.on('frame', () => delivered.toNcp++);
    host.on('disconnected', (error) => (failed ??= `host: ${error.code}`));
    ncp.on('disconnected', (error) => (failed ??= `ncp: ${error.code}`));
    const before = { host: hostEnd.framesWritten, ncp: ncpEnd.framesWritten };
    hostEnd.bytesRead = 0;
    ncpEnd.bytesRead = 0;
    hostEnd.faults = options.faultsToHost ?? new Map();
    ncpEnd.faults = options.faultsToNcp ?? new Map();
    const payload = (i: number, length: number) => Buffer.alloc(length, i & 0xff);
    for (let i = 0; i < options.toHost; i++) ncp.send(payload(i, 12)).catch(() => undefined);
    for (let i = 0; i < options.toNcp; i++) host.send(payload(i, 5)).catch(() => undefined);
    const done = () => failed !== undefined || (delivered.toHost === options.toHost && delivered.toNcp === options.toNcp);
    await runUntil(clock, done, options.limitMs ?? 60_000, 50).catch(() => undefined);
    // What is still on the line, and any timer it sets off, counts too.
    await runUntil(clock, () => false, TAIL_MS, 50).catch(() => undefined);
    return {
      delivered,
      sent: { host: hostEnd.framesWritten - before.host, ncp: ncpEnd.framesWritten - before.ncp },
      faults: { toHost: hostEnd.faultsApplied, toNcp: ncpEnd.faultsApplied },
      failed,
      host,
      ncp,
    };
  } finally {
    await host.close();
    await ncp.close();
  }
}
