import crc16ccitt from 'crc/calculators/crc16ccitt';
import { ASH_VERSION, CRC_LENGTH, MAX_DATA_LENGTH, ReservedByte } from './constants.js';
import { Control, ackControl, dataControl, nakControl, randomise } from './frame.js';
import { stuff } from './stuffing.js';

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
 * The CRC comes from the `crc` package's table-driven calculator (the raw one, which does not copy its
 * input); measured in the hal bench suite it is a small share of encode time.
 */
export class AshEncoder {
  private readonly body: Buffer;

  constructor(readonly maxDataLength: number = MAX_DATA_LENGTH) {
    this.body = Buffer.alloc(1 + maxDataLength + CRC_LENGTH);
  }

  /** DATA(frmNum, ackNum, reTx) carrying `data` (the EZSP frame, not yet randomised). */
  encodeDataInto(out: Uint8Array, offset: number, frmNum: number, ackNum: number, reTx: boolean, data: Uint8Array): number {
    const length = data.length;
    if (length > this.maxDataLength) throw new RangeError(`DATA field of ${length} bytes exceeds ${this.maxDataLength}`);
    const body = this.body;
    body[0] = dataControl(frmNum, ackNum, reTx);
    randomise(data, 0, body, 1, length);
    return this.finish(out, offset, 1 + length);
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

  encodeData(frmNum: number, ackNum: number, reTx: boolean, data: Uint8Array): Buffer {
    return this.fresh(maxEncodedLength(data.length), (out) => this.encodeDataInto(out, 0, frmNum, ackNum, reTx, data));
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

  /** Append the CRC of body[0, length), stuff it all into `out` and close with a Flag. */
  private finish(out: Uint8Array, offset: number, length: number): number {
    const body = this.body;
    const crc = crc16ccitt(body.subarray(0, length));
    body[length] = crc >> 8;
    body[length + 1] = crc & 0xff;
    const end = stuff(body, length + CRC_LENGTH, out, offset);
    out[end] = ReservedByte.FLAG;
    return end + 1;
  }

  private fresh(capacity: number, write: (out: Buffer) => number): Buffer {
    const out = Buffer.allocUnsafe(capacity);
    return out.subarray(0, write(out));
  }
}
