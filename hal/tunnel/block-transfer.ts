import { TunnelError } from './errors.js';

/**
 * GBCS General Block Transfer: how a GBCS message too long for one tunnel transfer crosses the HAN.
 * The sender cuts the whole message into blocks; each block travels as a message of its own,
 * a General Ciphering APDU whose header (the routing header) names the originator, the target, the
 * originator counter and Message Code of the whole message, so the CHF can route every block
 * without putting the message together. The receiving Device joins the blocks again.
 *
 *   DD | 09 CRA-flag counter(8) | 08 originator(8) | 08 target(8) | 00 date-time | 02 message code(2)
 *      | 00 key info | length | security control(1) invocation counter(4)
 *      | E0 block control(1) block number(2) block number acknowledged(2) length block-data
 *
 * Block control: bit 7 last block, bit 6 streaming, bits 0-5 window. Blocks are numbered from 1.
 */
export const BLOCK_TRANSFER = {
  generalCiphering: 0xdd,
  transactionIdLength: 9,
  systemTitleLength: 8,
  messageCodeLength: 2,
  tag: 0xe0,
  lastBlock: 0x80,
  streaming: 0x40,
  windowMask: 0x3f,
  /** Authenticated, suite 1, as the whole message's MAC header has it; the routing header itself carries no MAC. */
  securityControl: 0x11,
} as const;

export interface RoutingHeader {
  /** The CRA flag's value: 1 command, 2 response, 3 alert. */
  craFlag: number;
  originatorCounter: bigint;
  /** EUI-64s, 16 upper-case hex digits. */
  originator: string;
  target: string;
  messageCode: number;
}

export interface Block {
  routing: RoutingHeader;
  last: boolean;
  streaming: boolean;
  window: number;
  number: number;
  acknowledged: number;
  data: Buffer;
}

/** True when the bytes start as a block of a General Block Transfer (rather than a whole GBCS message). */
export function isBlockTransfer(bytes: Uint8Array): boolean {
  return bytes[0] === BLOCK_TRANSFER.generalCiphering && bytes[1] === BLOCK_TRANSFER.transactionIdLength;
}

function berLength(value: number): Buffer {
  if (value < 0x80) return Buffer.of(value);
  if (value <= 0xff) return Buffer.of(0x81, value);
  if (value <= 0xffff) return Buffer.of(0x82, value >> 8, value & 0xff);
  throw new TunnelError('TUNNEL_BAD_VALUE', `length ${value} is beyond a block's two-octet length`);
}

export function encodeBlock(block: Block): Buffer {
  const { routing } = block;
  if (block.number < 1 || block.number > 0xffff || block.window > BLOCK_TRANSFER.windowMask) {
    throw new TunnelError('TUNNEL_BAD_VALUE', `block ${block.number} (window ${block.window}) is out of range`);
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(routing.originatorCounter);
  const control = (block.last ? BLOCK_TRANSFER.lastBlock : 0) | (block.streaming ? BLOCK_TRANSFER.streaming : 0) | block.window;
  const numbers = Buffer.alloc(4);
  numbers.writeUInt16BE(block.number, 0);
  numbers.writeUInt16BE(block.acknowledged, 2);
  const apdu = Buffer.concat([Buffer.of(BLOCK_TRANSFER.tag, control), numbers, berLength(block.data.length), block.data]);
  const content = Buffer.concat([Buffer.of(BLOCK_TRANSFER.securityControl, 0, 0, 0, 0), apdu]);
  const code = Buffer.alloc(2);
  code.writeUInt16BE(routing.messageCode);
  return Buffer.concat([
    Buffer.of(BLOCK_TRANSFER.generalCiphering, BLOCK_TRANSFER.transactionIdLength, routing.craFlag),
    counter,
    Buffer.of(BLOCK_TRANSFER.systemTitleLength),
    Buffer.from(routing.originator, 'hex'),
    Buffer.of(BLOCK_TRANSFER.systemTitleLength),
    Buffer.from(routing.target, 'hex'),
    Buffer.of(0x00, BLOCK_TRANSFER.messageCodeLength),
    code,
    Buffer.of(0x00),
    berLength(content.length),
    content,
  ]);
}

class Reader {
  offset = 0;
  constructor(private readonly bytes: Buffer) {}

  take(length: number, what: string): Buffer {
    if (this.offset + length > this.bytes.length) {
      throw new TunnelError('TUNNEL_TRUNCATED', `${what}: needs ${length} bytes, ${this.bytes.length - this.offset} left`, { offset: this.offset });
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  u8(what: string): number {
    return this.take(1, what)[0]!;
  }

  expect(value: number, what: string): void {
    const at = this.offset;
    const found = this.u8(what);
    if (found !== value) throw new TunnelError('TUNNEL_UNKNOWN_HEADER', `${what}: expected 0x${value.toString(16)}, found 0x${found.toString(16)}`, { offset: at });
  }

  length(what: string): number {
    const first = this.u8(what);
    if (first < 0x80) return first;
    const digits = first & 0x7f;
    if (digits < 1 || digits > 2) throw new TunnelError('TUNNEL_BAD_VALUE', `${what}: a ${digits}-octet length`, { offset: this.offset - 1 });
    return this.take(digits, what).readUIntBE(0, digits);
  }

  end(what: string): void {
    if (this.offset !== this.bytes.length) throw new TunnelError('TUNNEL_TRAILING_BYTES', `${this.bytes.length - this.offset} bytes after ${what}`, { offset: this.offset });
  }
}

/** The routing header and block of one General Block Transfer message; a TunnelError (with the offset) for anything else. */
export function decodeBlock(bytes: Uint8Array): Block {
  const reader = new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  reader.expect(BLOCK_TRANSFER.generalCiphering, 'General Ciphering tag');
  reader.expect(BLOCK_TRANSFER.transactionIdLength, 'transaction id length');
  const craFlag = reader.u8('CRA flag');
  const originatorCounter = reader.take(8, 'originator counter').readBigUInt64BE();
  reader.expect(BLOCK_TRANSFER.systemTitleLength, 'originator length');
  const originator = reader.take(8, 'originator').toString('hex').toUpperCase();
  reader.expect(BLOCK_TRANSFER.systemTitleLength, 'target length');
  const target = reader.take(8, 'target').toString('hex').toUpperCase();
  reader.expect(0x00, 'date-time (none)');
  reader.expect(BLOCK_TRANSFER.messageCodeLength, 'other information length');
  const messageCode = reader.take(2, 'message code').readUInt16BE();
  reader.expect(0x00, 'key info (none)');
  const contentLength = reader.length('content length');
  const contentStart = reader.offset;
  reader.take(5, 'security control and invocation counter');
  reader.expect(BLOCK_TRANSFER.tag, 'General Block Transfer tag');
  const control = reader.u8('block control');
  const number = reader.take(2, 'block number').readUInt16BE();
  const acknowledged = reader.take(2, 'block number acknowledged').readUInt16BE();
  const data = Buffer.from(reader.take(reader.length('block data length'), 'block data'));
  if (reader.offset - contentStart !== contentLength) {
    throw new TunnelError('TUNNEL_BAD_VALUE', `content length ${contentLength} does not cover the block (${reader.offset - contentStart})`, { offset: contentStart });
  }
  reader.end('the block');
  if (number < 1) throw new TunnelError('TUNNEL_BAD_VALUE', 'blocks are numbered from 1', { offset: contentStart + 7 });
  return {
    routing: { craFlag, originatorCounter, originator, target, messageCode },
    last: (control & BLOCK_TRANSFER.lastBlock) !== 0,
    streaming: (control & BLOCK_TRANSFER.streaming) !== 0,
    window: control & BLOCK_TRANSFER.windowMask,
    number,
    acknowledged,
    data,
  };
}

/** A whole message as blocks of at most `blockSize` octets of it, streamed in one window (as far as the window field reaches). */
export function splitIntoBlocks(message: Buffer, routing: RoutingHeader, blockSize: number): Buffer[] {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new TunnelError('TUNNEL_BAD_VALUE', `block size ${blockSize}`);
  const count = Math.ceil(message.length / blockSize);
  return Array.from({ length: count }, (_, i) =>
    encodeBlock({
      routing,
      last: i === count - 1,
      streaming: i < count - 1,
      window: Math.min(count, BLOCK_TRANSFER.windowMask),
      number: i + 1,
      acknowledged: 0,
      data: message.subarray(i * blockSize, (i + 1) * blockSize),
    }),
  );
}

/**
 * Joins the blocks of messages, each told apart by originator and originator counter; a message
 * is whole when every block up to the last one has come. A block that repeats one already held,
 * or belongs to a message lately completed, is ignored.
 */
export class BlockReassembler {
  private readonly pending = new Map<string, { blocks: Map<number, Buffer>; last?: number }>();
  private readonly completed: string[] = [];

  constructor(private readonly maxMessages = 4) {}

  /** The whole message once `block` completes it, else undefined. */
  accept(block: Block): Buffer | undefined {
    const key = `${block.routing.originator}/${block.routing.originatorCounter}`;
    if (this.completed.includes(key)) return undefined;
    let entry = this.pending.get(key);
    if (!entry) {
      if (this.pending.size >= this.maxMessages) this.pending.delete(this.pending.keys().next().value!);
      entry = { blocks: new Map() };
      this.pending.set(key, entry);
    }
    if (!entry.blocks.has(block.number)) entry.blocks.set(block.number, block.data);
    if (block.last) entry.last = block.number;
    const { last, blocks } = entry;
    if (last === undefined) return undefined;
    const parts = Array.from({ length: last }, (_, i) => blocks.get(i + 1));
    if (parts.some((part) => part === undefined)) return undefined;
    this.pending.delete(key);
    this.completed.push(key);
    if (this.completed.length > this.maxMessages) this.completed.shift();
    return Buffer.concat(parts as Buffer[]);
  }
}
