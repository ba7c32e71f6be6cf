import type { Transport } from '../transport/transport.js';
import type { AshLinkCounters } from './endpoint-options.js';
import { maxEncodedLength, type AshEncoder } from './encoder.js';
import type { ReceiveWindow } from './receive-window.js';
import type { TransmitWindow } from './transmit-window.js';

/** What the writer asks of its endpoint. */
export interface WriterSide {
  connected(): boolean;
  /** The transport refused a write: the link is lost. */
  writeFailed(cause: unknown): void;
}

/**
 * The wire side of an ASH endpoint: everything owed to the peer gathered into one write, in UG101's
 * priority order (NAK or ACK, retransmissions, then new DATA), once per turn of the event loop.
 */
export class LinkWriter {
  /** Whether this end can take DATA frames; when false, every ACK and NAK it sends carries nRdy. */
  receiveReady = true;
  private flushScheduled = false;
  private readonly scratch: Buffer;

  constructor(
    private readonly transport: Transport,
    private readonly encoder: AshEncoder,
    settings: { window: number; maxDataLength: number },
    private readonly counters: AshLinkCounters,
    private readonly receive: ReceiveWindow,
    private readonly transmit: () => TransmitWindow,
    private readonly side: WriterSide,
  ) {
    this.scratch = Buffer.alloc((settings.window + 2) * maxEncodedLength(settings.maxDataLength) + 16);
  }

  scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  /** Write everything owed, in UG101's priority order: NAK or ACK, retransmissions, then new DATA. */
  flush(): void {
    if (!this.side.connected()) return;
    const out = this.scratch;
    const transmit = this.transmit();
    let o = 0;
    const notReady = !this.receiveReady;
    const frmRx = this.receive.frmRx;
    if (this.receive.takeNak()) {
      o = this.encoder.encodeNakInto(out, o, frmRx, notReady);
      this.counters.naksSent++;
    }
    if (transmit.hasWork) {
      o = transmit.writeData(this.encoder, out, o, frmRx);
      this.receive.acknowledged(); // piggy-backed on the DATA frames
    }
    if (this.receive.takeAck()) o = this.encoder.encodeAckInto(out, o, frmRx, notReady);
    if (o > 0) this.writeBytes(Buffer.from(out.subarray(0, o)));
  }

  /** Write one frame now, outside the window (RST, RSTACK, ERROR). */
  write(encode: (encoder: AshEncoder, out: Buffer) => number): void {
    const end = encode(this.encoder, this.scratch);
    this.writeBytes(Buffer.from(this.scratch.subarray(0, end)));
  }

  private writeBytes(bytes: Buffer): void {
    this.transport.write(bytes).catch((cause: unknown) => this.side.writeFailed(cause));
  }
}
