import { EventEmitter } from 'node:events';
import crc16ccitt from 'crc/calculators/crc16ccitt';
import { CRC_LENGTH, ESCAPE_FLIP, MAX_DATA_LENGTH, MIN_DATA_LENGTH, ReservedByte, WAKE_BYTE } from './constants.js';
import { Control, FIXED_BODY_LENGTH, RANDOM_SEQUENCE, type AshFrame } from './frame.js';

/** Why a frame was dropped. None of these frames is handed up. */
export type AshBadFrameReason =
  /** A Cancel byte ended the frame in progress (not an error on the sender's side, but nothing to hand up). */
  | 'CANCELLED'
  /** A Substitute byte (a UART framing/overrun error) or an Escape just before the Flag. */
  | 'COMM_ERROR'
  | 'BAD_CRC'
  /** Fewer bytes than a control byte plus CRC. */
  | 'TOO_SHORT'
  | 'TOO_LONG'
  /** Control byte 0xC3–0xFF. */
  | 'BAD_CONTROL'
  /** A known control byte with the wrong length for its kind. */
  | 'BAD_LENGTH'
  /** Given up by the link: the line went quiet inside it (its Flag was lost). */
  | 'INCOMPLETE';

export interface AshBadFrame {
  reason: AshBadFrameReason;
  /** The first (unstuffed) byte of the frame, when there was one; the link uses it to decide on a NAK. */
  control: number | undefined;
  /** Unstuffed bytes seen, CRC included. */
  length: number;
}

export interface AshDecoderEvents {
  /** A frame that passed CRC and length checks. A DATA frame's `data` is de-randomised and owned by the listener. */
  frame: [frame: AshFrame];
  bad: [bad: AshBadFrame];
}

export type AshDecoderCounters = { frames: number; bytes: number } & Record<AshBadFrameReason, number>;

/** What each byte value means to the decoder; 0 is an ordinary data byte, the common case. */
const enum ByteClass {
  Data = 0,
  Flag,
  Escape,
  Cancel,
  Substitute,
  FlowControl,
}

const BYTE_CLASS: Uint8Array = (() => {
  const table = new Uint8Array(256);
  table[ReservedByte.FLAG] = ByteClass.Flag;
  table[ReservedByte.ESCAPE] = ByteClass.Escape;
  table[ReservedByte.CANCEL] = ByteClass.Cancel;
  table[ReservedByte.SUBSTITUTE] = ByteClass.Substitute;
  table[ReservedByte.XON] = ByteClass.FlowControl;
  table[ReservedByte.XOFF] = ByteClass.FlowControl;
  return table;
})();

/**
 * A streaming ASH decoder: feed it the byte stream in chunks of any size (a serial port tends to hand
 * over flag-terminated frames, TCP whatever it read) and it emits each good frame once. It never
 * throws on its input: every malformed frame is counted and reported as a `bad` event instead.
 *
 * XON/XOFF inside the stream are dropped (flow control belongs to the port, not to frames); a wake
 * byte (0xFF) between frames is ignored.
 */
export class AshDecoder extends EventEmitter<AshDecoderEvents> {
  readonly counters: AshDecoderCounters = {
    frames: 0,
    bytes: 0,
    CANCELLED: 0,
    COMM_ERROR: 0,
    BAD_CRC: 0,
    TOO_SHORT: 0,
    TOO_LONG: 0,
    BAD_CONTROL: 0,
    BAD_LENGTH: 0,
    INCOMPLETE: 0,
  };
  private readonly buffer: Uint8Array;
  private readonly capacity: number;
  private length = 0;
  private escaping = false;
  private commError = false;

  constructor(readonly maxDataLength: number = MAX_DATA_LENGTH) {
    super();
    this.capacity = 1 + maxDataLength + CRC_LENGTH;
    this.buffer = new Uint8Array(this.capacity);
  }

  /** Bytes of a frame begun and not yet ended by a Flag (0 between frames). */
  get partialLength(): number {
    return this.length;
  }

  /** Report the frame in progress as bad (INCOMPLETE) and forget it: its Flag is not coming. */
  abandonPartial(): void {
    if (this.length > 0 || this.commError || this.escaping) this.reject('INCOMPLETE');
  }

  /** Forget any partial frame, as after a reset of the line. */
  clear(): void {
    this.length = 0;
    this.escaping = false;
    this.commError = false;
  }

  push(chunk: Uint8Array): void {
    const buffer = this.buffer;
    const capacity = this.capacity;
    const n = chunk.length;
    this.counters.bytes += n;
    // Hot loop: state lives in locals and goes back to fields only around calls that read it.
    let length = this.length;
    let flip = this.escaping ? ESCAPE_FLIP : 0;
    let commError = this.commError;
    for (let i = 0; i < n; i++) {
      const b = chunk[i]!;
      const cls = BYTE_CLASS[b]!;
      if (cls === ByteClass.Data) {
        if (length === 0 && b === WAKE_BYTE && flip === 0 && !commError) continue;
        // Counting on past the capacity (without storing) tells TOO_LONG from a full frame.
        if (length < capacity) buffer[length] = b ^ flip;
        length++;
        flip = 0;
        continue;
      }
      switch (cls) {
        case ByteClass.Flag:
          this.length = length;
          this.escaping = flip !== 0;
          this.commError = commError;
          this.endFrame();
          length = 0;
          flip = 0;
          commError = false;
          break;
        case ByteClass.Escape:
          flip = ESCAPE_FLIP;
          break;
        case ByteClass.Cancel:
          if (length > 0 || commError || flip !== 0) {
            this.length = length;
            this.reject('CANCELLED');
          }
          length = 0;
          flip = 0;
          commError = false;
          break;
        case ByteClass.Substitute:
          commError = true;
          break;
        default: // XON/XOFF: not part of any frame
          break;
      }
    }
    this.length = length;
    this.escaping = flip !== 0;
    this.commError = commError;
  }

  private endFrame(): void {
    const length = this.length;
    if (length === 0 && !this.commError && !this.escaping) return; // back-to-back Flags
    if (this.commError || this.escaping) return this.reject('COMM_ERROR');
    if (length < 1 + CRC_LENGTH) return this.reject('TOO_SHORT');
    if (length > this.capacity) return this.reject('TOO_LONG');
    const buffer = this.buffer;
    // CRC-CCITT over the body and its own (big-endian) CRC leaves no remainder.
    if (crc16ccitt(buffer.subarray(0, length)) !== 0) return this.reject('BAD_CRC');
    const control = buffer[0]!;
    const bodyLength = length - CRC_LENGTH;
    const frame = this.classify(control, bodyLength);
    if (typeof frame === 'string') return this.reject(frame);
    this.clear();
    this.counters.frames++;
    this.emit('frame', frame);
  }

  private classify(control: number, bodyLength: number): AshFrame | AshBadFrameReason {
    const buffer = this.buffer;
    if ((control & Control.DATA_MASK) === 0) {
      const dataLength = bodyLength - 1;
      if (dataLength < MIN_DATA_LENGTH) return 'BAD_LENGTH';
      const data = Buffer.allocUnsafe(dataLength);
      for (let i = 0; i < dataLength; i++) data[i] = buffer[i + 1]! ^ RANDOM_SEQUENCE[i]!;
      return {
        kind: 'DATA',
        frmNum: (control >> Control.FRMNUM_SHIFT) & 7,
        ackNum: control & Control.ACKNUM_MASK,
        reTx: (control & Control.RETX_FLAG) !== 0,
        data,
      };
    }
    const short = control & Control.SHORT_MASK;
    if (short === Control.ACK || short === Control.NAK) {
      if (bodyLength !== FIXED_BODY_LENGTH.ACK) return 'BAD_LENGTH';
      const fields = { ackNum: control & Control.ACKNUM_MASK, notReady: (control & Control.NOT_READY_FLAG) !== 0 };
      return short === Control.ACK ? { kind: 'ACK', ...fields } : { kind: 'NAK', ...fields };
    }
    switch (control) {
      case Control.RST:
        return bodyLength === FIXED_BODY_LENGTH.RST ? { kind: 'RST' } : 'BAD_LENGTH';
      case Control.RSTACK:
        if (bodyLength !== FIXED_BODY_LENGTH.RSTACK) return 'BAD_LENGTH';
        return { kind: 'RSTACK', version: buffer[1]!, resetCode: buffer[2]! };
      case Control.ERROR:
        if (bodyLength !== FIXED_BODY_LENGTH.ERROR) return 'BAD_LENGTH';
        return { kind: 'ERROR', version: buffer[1]!, errorCode: buffer[2]! };
      default:
        return 'BAD_CONTROL';
    }
  }

  private reject(reason: AshBadFrameReason): void {
    const length = this.length;
    const bad: AshBadFrame = { reason, control: length > 0 ? this.buffer[0] : undefined, length };
    this.clear();
    this.counters[reason]++;
    this.emit('bad', bad);
  }
}
