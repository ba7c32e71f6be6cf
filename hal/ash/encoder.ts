import crc16ccitt from 'crc/calculators/crc16ccitt';
import { ASH_VERSION, CRC_LENGTH, MAX_DATA_LENGTH, ReservedByte } from './constants.js';
import { Control, ackControl, dataControl, nakControl, randomise } from './frame.js';
import { RESERVED, stuff } from './stuffing.js';

/** The most bytes one frame with a `dataLength`-byte field can take on the wire (every byte escaped). */
export function maxEncodedLength(dataLength: number): number {
  return (1 + dataLength + CRC_LENGTH) * 2 + 1;
}

/**
 * Builds ASH frames: control byte, data field (randomised for DATA), CRC-CCITT, byte stuffing and the
 * closing Flag. The `…Into` methods write into a caller's buffer and return the new end offset, so a
 * link can pack several frames into one transport write without allocating; the other methods return
 * a fresh Buffer. One scratch buffer is reused for every frame, so an encoder is not re-entrant.
 *
 * The CRC comes from the `crc` package's table-driven calculator (the raw one: the package's default
 * export copies its input into a new Buffer on every call). The hal bench suite measures its share at
 * roughly a quarter to a third of encode+decode time, and the codec is well over twice as fast as
 * zigbee-herdsman's with it, so it is not the bottleneck and no table of our own is kept.
 */
export class AshEncoder {
  // A plain Uint8Array, not a Buffer: its subarray (for the CRC) is much cheaper than Buffer's.
  private readonly body: Uint8Array;

  constructor(readonly maxDataLength: number = MAX_DATA_LENGTH) {
    this.body = new Uint8Array(1 + maxDataLength + CRC_LENGTH);
  }

  /** DATA(frmNum, ackNum, reTx) carrying `data` (the EZSP frame, not yet randomised). */
  encodeDataInto(out: Uint8Array, offset: number, frmNum: number, ackNum: number, reTx: boolean, data: Uint8Array): number {
    return this.stuffInto(out, offset, this.prepareData(frmNum, ackNum, reTx, data));
  }

  encodeAckInto(out: Uint8Array, offset: number, ackNum: number, notReady = false): number {
    this.body[0] = ackControl(ackNum, notReady);
    return this.finish(out, offset, 1);
  }

  encodeNakInto(out: Uint8Array, offset: number, ackNum: number, notReady = false): number {
    this.body[0] = nakControl(ackNum, notReady);
    return this.finish(out, offset, 1);
  }

  /** RST, preceded by a Cancel byte so the NCP drops any partial frame it holds (UG101 §5.1). */
  encodeRstInto(out: Uint8Array, offset: number, leadingCancel = true): number {
    let o = offset;
    if (leadingCancel) out[o++] = ReservedByte.CANCEL;
    this.body[0] = Control.RST;
    return this.finish(out, o, 1);
  }

  encodeRstAckInto(out: Uint8Array, offset: number, resetCode: number, version = ASH_VERSION): number {
    return this.encodeCodeFrame(out, offset, Control.RSTACK, version, resetCode);
  }

  encodeErrorInto(out: Uint8Array, offset: number, errorCode: number, version = ASH_VERSION): number {
    return this.encodeCodeFrame(out, offset, Control.ERROR, version, errorCode);
  }

  /** The hot path for a single frame: one exactly-sized Buffer, no views. */
  encodeData(frmNum: number, ackNum: number, reTx: boolean, data: Uint8Array): Buffer {
    const length = this.prepareData(frmNum, ackNum, reTx, data);
    const body = this.body;
    let escaped = 0;
    for (let i = 0; i < length; i++) escaped += RESERVED[body[i]!]!;
    const out = Buffer.allocUnsafe(length + escaped + 1);
    stuff(body, length, out, 0);
    out[length + escaped] = ReservedByte.FLAG;
    return out;
  }

  encodeAck(ackNum: number, notReady = false): Buffer {
    return this.fresh(maxEncodedLength(0), (out) => this.encodeAckInto(out, 0, ackNum, notReady));
  }

  encodeNak(ackNum: number, notReady = false): Buffer {
    return this.fresh(maxEncodedLength(0), (out) => this.encodeNakInto(out, 0, ackNum, notReady));
  }

  encodeRst(leadingCancel = true): Buffer {
    return this.fresh(maxEncodedLength(0) + 1, (out) => this.encodeRstInto(out, 0, leadingCancel));
  }

  encodeRstAck(resetCode: number, version = ASH_VERSION): Buffer {
    return this.fresh(maxEncodedLength(2), (out) => this.encodeRstAckInto(out, 0, resetCode, version));
  }

  encodeError(errorCode: number, version = ASH_VERSION): Buffer {
    return this.fresh(maxEncodedLength(2), (out) => this.encodeErrorInto(out, 0, errorCode, version));
  }

  private encodeCodeFrame(out: Uint8Array, offset: number, control: number, version: number, code: number): number {
    const body = this.body;
    body[0] = control;
    body[1] = version & 0xff;
    body[2] = code & 0xff;
    return this.finish(out, offset, 3);
  }

  /** Control byte, randomised data and CRC into the scratch body; returns the body's length. */
  private prepareData(frmNum: number, ackNum: number, reTx: boolean, data: Uint8Array): number {
    const length = data.length;
    if (length > this.maxDataLength) throw new RangeError(`DATA field of ${length} bytes exceeds ${this.maxDataLength}`);
    const body = this.body;
    body[0] = dataControl(frmNum, ackNum, reTx);
    randomise(data, 0, body, 1, length);
    return this.appendCrc(1 + length);
  }

  private appendCrc(length: number): number {
    const body = this.body;
    const crc = crc16ccitt(body.subarray(0, length));
    body[length] = crc >> 8;
    body[length + 1] = crc & 0xff;
    return length + CRC_LENGTH;
  }

  private stuffInto(out: Uint8Array, offset: number, length: number): number {
    const end = stuff(this.body, length, out, offset);
    out[end] = ReservedByte.FLAG;
    return end + 1;
  }

  /** Append the CRC of body[0, length), stuff it all into `out` and close with a Flag. */
  private finish(out: Uint8Array, offset: number, length: number): number {
    return this.stuffInto(out, offset, this.appendCrc(length));
  }

  private fresh(capacity: number, write: (out: Buffer) => number): Buffer {
    const out = Buffer.allocUnsafe(capacity);
    return out.subarray(0, write(out));
  }
}
