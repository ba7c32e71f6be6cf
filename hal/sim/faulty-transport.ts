import { EventEmitter } from 'node:events';
import type { Transport, TransportEvents } from '../transport/transport.js';
import type { FaultDirection } from './scenario.js';
import { SeededRandom } from './random.js';

/**
 * Line noise on demand. Wraps the NCP's side of a Transport so corrupted, dropped and duplicated
 * bytes travel the real ASH path in both directions: what the NCP writes (towards the host) and
 * what it reads (from the host). Decisions come from a seeded source, so a failing run can be
 * replayed exactly.
 */
export interface LineFaults {
  /** Corrupt one byte in N (0 = never). */
  corruptOneIn: number;
  /** Drop one byte in M (0 = never). */
  dropOneIn: number;
  /** Send one ASH frame in K twice (0 = never). */
  duplicateOneIn: number;
  directions: FaultDirection[];
}

export interface LineCounts {
  bytes: number;
  corrupted: number;
  dropped: number;
  frames: number;
  duplicated: number;
}

/** ASH ends every frame with this flag byte. */
const FLAG = 0x7e;

function zeroCounts(): LineCounts {
  return { bytes: 0, corrupted: 0, dropped: 0, frames: 0, duplicated: 0 };
}

class FaultyLine {
  readonly counts = zeroCounts();
  /** Bytes of the frame in progress, as they left the faulty line, for duplication. */
  private frame: number[] = [];

  constructor(
    private readonly random: SeededRandom,
    private readonly faults: () => LineFaults,
    private readonly direction: FaultDirection,
  ) {}

  pass(chunk: Uint8Array): Buffer {
    const faults = this.faults();
    const active = faults.directions.includes(this.direction);
    const out: number[] = [];
    for (const byte of chunk) {
      this.counts.bytes++;
      if (active && this.random.oneIn(faults.dropOneIn)) {
        this.counts.dropped++;
        continue;
      }
      let sent = byte;
      if (active && this.random.oneIn(faults.corruptOneIn)) {
        // A non-zero mask, so the byte really changes.
        sent = byte ^ (1 + this.random.below(255));
        this.counts.corrupted++;
      }
      out.push(sent);
      this.frame.push(sent);
      if (byte === FLAG) this.endFrame(out, active, faults);
    }
    return Buffer.from(out);
  }

  private endFrame(out: number[], active: boolean, faults: LineFaults): void {
    this.counts.frames++;
    if (active && this.frame.length > 1 && this.random.oneIn(faults.duplicateOneIn)) {
      out.push(...this.frame);
      this.counts.duplicated++;
    }
    this.frame = [];
  }
}

export class FaultyTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly toHost: FaultyLine;
  readonly toNcp: FaultyLine;
  private faults: LineFaults;

  constructor(
    private readonly inner: Transport,
    faults: LineFaults,
    seed: number,
  ) {
    super();
    this.faults = { ...faults };
    // One source per direction: how the two directions interleave in time must not change the faults.
    this.toHost = new FaultyLine(new SeededRandom(seed), () => this.faults, 'toHost');
    this.toNcp = new FaultyLine(new SeededRandom(seed ^ 0x5bd1e995), () => this.faults, 'toNcp');
    inner.on('data', (chunk) => {
      const passed = this.toNcp.pass(chunk);
      if (passed.length > 0) this.emit('data', passed);
    });
    inner.on('close', (error) => this.emit('close', error));
  }

  get description(): string {
    return this.inner.description;
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  /** Change the faults at run time (the counts carry on). */
  setFaults(faults: Partial<LineFaults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  currentFaults(): LineFaults {
    return { ...this.faults, directions: [...this.faults.directions] };
  }

  counts(): Record<FaultDirection, LineCounts> {
    return { toHost: { ...this.toHost.counts }, toNcp: { ...this.toNcp.counts } };
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  async write(bytes: Uint8Array): Promise<void> {
    const passed = this.toHost.pass(bytes);
    if (passed.length > 0) await this.inner.write(passed);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
