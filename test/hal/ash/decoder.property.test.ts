import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AshDecoder } from '../../../hal/ash/decoder.js';
import { AshEncoder } from '../../../hal/ash/encoder.js';
import { RANDOM_SEQUENCE, type AshFrame } from '../../../hal/ash/frame.js';

/**
 * A deliberately plain model of UG101 receiving, written from the guide and independent of the
 * decoder: split at Flags, restart after the last Cancel, drop XON/XOFF, skip wake bytes before a
 * frame, refuse Substitute and a dangling Escape, un-stuff, check a bitwise CRC, then the control
 * byte and length. The decoder must hand up exactly the frames this model accepts.
 */
function modelDecode(stream: Uint8Array): string[] {
  const accepted: string[] = [];
  let segment: number[] = [];
  for (const byte of stream) {
    if (byte === 0x1a) segment = [];
    else if (byte === 0x7e) {
      const frame = modelFrame(segment);
      if (frame) accepted.push(frame);
      segment = [];
    } else if (byte !== 0x11 && byte !== 0x13) segment.push(byte);
  }
  return accepted;
}

function modelFrame(raw: number[]): string | undefined {
  let start = 0;
  while (start < raw.length && raw[start] === 0xff) start++;
  const body: number[] = [];
  let escape = false;
  for (const byte of raw.slice(start)) {
    if (byte === 0x18) return undefined;
    if (byte === 0x7d) escape = true;
    else {
      body.push(escape ? byte ^ 0x20 : byte);
      escape = false;
    }
  }
  if (escape || body.length < 3 || body.length > 131 || bitwiseCrc(body) !== 0) return undefined;
  const control = body[0]!;
  const length = body.length - 2;
  const ok =
    (control < 0x80 && length >= 4) ||
    (control >= 0x80 && control < 0xc0 && length === 1) ||
    (control === 0xc0 && length === 1) ||
    ((control === 0xc1 || control === 0xc2) && length === 3);
  if (!ok) return undefined;
  const data = body.slice(1, length).map((b, i) => (control < 0x80 ? b ^ RANDOM_SEQUENCE[i]! : b));
  return `${control.toString(16)}:${Buffer.from(data).toString('hex')}`;
}

function bitwiseCrc(bytes: number[]): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The decoder's frames in the model's notation. */
function describeFrame(frame: AshFrame): string {
  switch (frame.kind) {
    case 'DATA':
      return `${((frame.frmNum << 4) | (frame.reTx ? 8 : 0) | frame.ackNum).toString(16)}:${frame.data.toString('hex')}`;
    case 'ACK':
    case 'NAK':
      return `${((frame.kind === 'ACK' ? 0x80 : 0xa0) | (frame.notReady ? 8 : 0) | frame.ackNum).toString(16)}:`;
    case 'RST':
      return 'c0:';
    case 'RSTACK':
      return `c1:${Buffer.from([frame.version, frame.resetCode]).toString('hex')}`;
    case 'ERROR':
      return `c2:${Buffer.from([frame.version, frame.errorCode]).toString('hex')}`;
  }
}

function decodeChunks(chunks: Uint8Array[]): { frames: string[]; bad: number } {
  const decoder = new AshDecoder();
  const frames: string[] = [];
  let bad = 0;
  decoder.on('frame', (f) => frames.push(describeFrame(f)));
  decoder.on('bad', () => bad++);
  for (const chunk of chunks) decoder.push(chunk);
  return { frames, bad };
}

/** Cut a stream at the given points (in any order, possibly out of range). */
function cut(stream: Uint8Array, points: number[]): Uint8Array[] {
  const at = [...new Set(points.map((p) => p % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...at, stream.length]) {
    chunks.push(stream.subarray(from, p));
    from = p;
  }
  return chunks;
}

const encoder = new AshEncoder();
const frameBytes = fc.oneof(
  fc
    .record({ frm: fc.nat(7), ack: fc.nat(7), reTx: fc.boolean(), data: fc.uint8Array({ minLength: 3, maxLength: 128 }) })
    .map(({ frm, ack, reTx, data }) => encoder.encodeData(frm, ack, reTx, data)),
  fc.record({ ack: fc.nat(7), nRdy: fc.boolean(), nak: fc.boolean() }).map(({ ack, nRdy, nak }) =>
    nak ? encoder.encodeNak(ack, nRdy) : encoder.encodeAck(ack, nRdy),
  ),
  fc.nat(255).map((code) => encoder.encodeRstAck(code)),
  fc.nat(255).map((code) => encoder.encodeError(code)),
  fc.constant(encoder.encodeRst()),
);
const validStream = fc.array(frameBytes, { minLength: 1, maxLength: 20 }).map((frames) => Buffer.concat(frames));

type Mutation = { kind: 'flip' | 'delete' | 'insert' | 'repeat'; at: number; value: number; span: number };
const mutation = fc.record({
  kind: fc.constantFrom<Mutation['kind']>('flip', 'delete', 'insert', 'repeat'),
  at: fc.nat(),
  value: fc.nat(255),
  span: fc.integer({ min: 1, max: 12 }),
});

function mutate(stream: Buffer, mutations: Mutation[]): Buffer {
  let bytes = Buffer.from(stream);
  for (const m of mutations) {
    const at = m.at % Math.max(1, bytes.length);
    if (m.kind === 'flip' && bytes.length > 0) bytes[at]! ^= 1 << (m.value & 7);
    if (m.kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.span)]);
    if (m.kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([m.value]), bytes.subarray(at)]);
    if (m.kind === 'repeat') bytes = Buffer.concat([bytes.subarray(0, at + m.span), bytes.subarray(at)]);
  }
  return bytes;
}

describe('AshDecoder properties', () => {
  it('never throws on any bytes in any chunking, and hands up exactly the frames with a good CRC', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 8 }), (stream, points) => {
        const { frames } = decodeChunks(cut(stream, points));
        expect(frames).toEqual(modelDecode(stream));
      }),
      { numRuns: 500 },
    );
  });

  it('favours reserved bytes too (random streams rarely hold Flags, Escapes or Cancels)', () => {
    const reservedHeavy = fc.uint8Array({ maxLength: 300 }).map((bytes) =>
      bytes.map((b) => (b < 128 ? [0x7e, 0x7d, 0x1a, 0x18, 0x11, 0x13, 0xff, 0xc0][b & 7]! : b)),
    );
    fc.assert(
      fc.property(reservedHeavy, fc.array(fc.nat(), { maxLength: 8 }), (stream, points) => {
        expect(decodeChunks(cut(stream, points)).frames).toEqual(modelDecode(stream));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips valid streams whole, however they are chunked', () => {
    fc.assert(
      fc.property(validStream, fc.array(fc.nat(), { maxLength: 10 }), (stream, points) => {
        const { frames, bad } = decodeChunks(cut(stream, points));
        expect(bad).toBe(0);
        expect(frames).toEqual(modelDecode(stream));
        expect(frames.length).toBe(stream.filter((b) => b === 0x7e).length);
      }),
      { numRuns: 300 },
    );
  });

  it('on mutated valid streams, hands up exactly what the model accepts', () => {
    fc.assert(
      fc.property(validStream, fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 6 }), (stream, mutations, points) => {
        const damaged = mutate(stream, mutations);
        const { frames } = decodeChunks(cut(damaged, points));
        expect(frames).toEqual(modelDecode(damaged));
      }),
      { numRuns: 500 },
    );
  });
});
