import { createRequire } from 'node:module';

/**
 * zigbee-herdsman's own ASH implementation (the installed devDependency), driven directly as an
 * independent reference: its UartAsh encoder (send → byte-at-a-time encodeByte → AshWriter) and its
 * decoder (AshParser splitting on Flag → readFrame/decodeByte → de-randomise). It is used only by
 * tests and the hal bench, never by the runtime. Its private members are reached through a loose
 * view of the object, since they are private only to TypeScript.
 */
const require = createRequire(import.meta.url);
const uart = 'zigbee-herdsman/dist/adapter/ember/uart';

interface HerdsmanBuffer {
  data: Buffer;
  len: number;
}

interface UartAshInternals {
  flags: number;
  frmTx: number;
  frmRx: number;
  ackRx: number;
  ackTx: number;
  frmReTxHead: number;
  ackTimer: number;
  rxLen: number;
  rxSHBuffer: Buffer;
  rxDataBuffer: HerdsmanBuffer | undefined;
  rxFree: { freeBuffer(buffer: HerdsmanBuffer): void };
  writer: NodeJS.EventEmitter;
  parser: NodeJS.WritableStream & NodeJS.EventEmitter;
  send(len: number, data: Buffer): number;
  sendExec(): void;
  scrubReTxQueue(): void;
  readFrame(buffer: Buffer): number;
  getFrameType(control: number, len: number): number;
  randomizeBuffer(buffer: Buffer, len: number): void;
}

const quiet = { debug: () => undefined, info: () => undefined, warning: () => undefined, error: () => undefined };
(require('zigbee-herdsman/dist/utils/logger.js') as { setLogger(l: typeof quiet): void }).setLogger(quiet);
const { UartAsh } = require(`${uart}/ash.js`) as { UartAsh: new (options: { path: string }) => unknown };
const { EzspStatus } = require('zigbee-herdsman/dist/adapter/ember/enums.js') as { EzspStatus: Record<string, number> };

const CONNECTED = 64;
const ACK_FLAG = 8;
const NAK_FLAG = 4;
const CANCEL = 0x1a;
const RST = 0xc0;
const SUCCESS = EzspStatus.SUCCESS!;
const INVALID_TYPE = -1;

/** A frame as herdsman's decoder sees it: the control byte and the (de-randomised, for DATA) data field. */
export interface HerdsmanFrame {
  control: number;
  data: Buffer;
}

export class HerdsmanAsh {
  private readonly ash: UartAshInternals;
  private written: Buffer[] = [];
  private pieces: Buffer[] = [];

  constructor() {
    this.ash = new UartAsh({ path: '/dev/null' }) as UartAshInternals;
    this.ash.writer.on('data', (chunk: Buffer) => this.written.push(chunk));
    this.ash.parser.on('data', (piece: Buffer) => this.pieces.push(piece));
  }

  /** DATA(frmNum, ackNum, 0) through herdsman's send path. */
  encodeData(frmNum: number, ackNum: number, data: Buffer): Buffer {
    const ash = this.ash;
    ash.flags = CONNECTED;
    ash.frmTx = frmNum;
    ash.ackRx = frmNum;
    ash.frmReTxHead = frmNum;
    ash.frmRx = ackNum;
    ash.ackTx = ackNum;
    this.written = [];
    if (ash.send(data.length, data) !== SUCCESS) throw new Error('herdsman refused the frame');
    // Pretend the frame was acknowledged so its buffer returns to herdsman's pool.
    ash.ackRx = ash.frmTx;
    ash.scrubReTxQueue();
    ash.ackTimer = 0;
    return this.collect();
  }

  /** ACK(ackNum) or NAK(ackNum) as herdsman's sendExec writes it. */
  encodeAck(ackNum: number, nak: boolean): Buffer {
    const ash = this.ash;
    ash.flags = CONNECTED | (nak ? NAK_FLAG : ACK_FLAG);
    ash.frmRx = ackNum;
    ash.ackTx = ackNum;
    this.written = [];
    ash.sendExec();
    return this.collect();
  }

  /**
   * Decode a byte stream as herdsman's receive path does: the parser splits on Flag, a Cancel drops
   * what precedes it, then readFrame un-stuffs and checks CRC and length. Bad frames are left out.
   */
  decode(stream: Buffer): HerdsmanFrame[] {
    this.pieces = [];
    this.ash.parser.write(stream);
    const frames: HerdsmanFrame[] = [];
    for (let piece of this.pieces) {
      const cancel = piece.lastIndexOf(CANCEL);
      if (cancel !== -1) piece = piece.subarray(cancel + 1);
      if (piece.length === 0) continue;
      const frame = this.readOne(piece);
      if (frame) frames.push(frame);
    }
    return frames;
  }

  private readOne(piece: Buffer): HerdsmanFrame | undefined {
    const ash = this.ash;
    const status = ash.readFrame(piece);
    const held = ash.rxDataBuffer;
    ash.rxDataBuffer = undefined;
    try {
      if (status !== SUCCESS) return undefined;
      const control = ash.rxSHBuffer[0]!;
      // herdsman is a host and never expects RST, so its type check has no case for it.
      const isRst = control === RST && ash.rxLen === 1;
      if (!isRst && ash.getFrameType(control, ash.rxLen) === INVALID_TYPE) return undefined;
      if (held) {
        ash.randomizeBuffer(held.data, held.len);
        return { control, data: Buffer.from(held.data.subarray(0, held.len)) };
      }
      return { control, data: Buffer.from(ash.rxSHBuffer.subarray(1, ash.rxLen)) };
    } finally {
      if (held) ash.rxFree.freeBuffer(held);
    }
  }

  private collect(): Buffer {
    const out = this.written.length === 1 ? this.written[0]! : Buffer.concat(this.written);
    this.written = [];
    return out;
  }
}
