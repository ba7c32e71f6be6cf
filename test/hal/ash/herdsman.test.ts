import { describe, expect, it } from 'vitest';
import { AshDecoder } from '../../../hal/ash/decoder.js';
import { AshEncoder } from '../../../hal/ash/encoder.js';
import { ackControl, dataControl, nakControl, type AshFrame } from '../../../hal/ash/frame.js';
import { HerdsmanAsh, type HerdsmanFrame } from './herdsman-oracle.js';
import { seededRandom } from './helpers.js';

const FRAMES = 10_000;

type Spec =
  | { kind: 'DATA'; frmNum: number; ackNum: number; reTx: boolean; data: Buffer }
  | { kind: 'ACK' | 'NAK'; ackNum: number; notReady: boolean }
  | { kind: 'RSTACK' | 'ERROR'; code: number }
  | { kind: 'RST' };

/** Seeded frames shaped like real traffic: mostly DATA of EZSP sizes, with every other kind mixed in. */
function randomSpecs(count: number, seed: number, withOtherKinds = true): Spec[] {
  const random = seededRandom(seed);
  const int = (n: number): number => Math.floor(random() * n);
  return Array.from({ length: count }, (): Spec => {
    const pick = withOtherKinds ? random() : 0;
    if (pick < 0.7) {
      // Some all-reserved payloads, so stuffing is exercised hard, and the rest random.
      const length = 3 + int(126);
      const data = Buffer.alloc(length);
      const reservedOnly = random() < 0.1;
      for (let i = 0; i < length; i++) data[i] = reservedOnly ? [0x7e, 0x7d, 0x11, 0x13, 0x18, 0x1a][int(6)]! : int(256);
      return { kind: 'DATA', frmNum: int(8), ackNum: int(8), reTx: withOtherKinds && random() < 0.2, data };
    }
    if (pick < 0.9) return { kind: random() < 0.5 ? 'ACK' : 'NAK', ackNum: int(8), notReady: random() < 0.3 };
    if (pick < 0.97) return { kind: random() < 0.5 ? 'RSTACK' : 'ERROR', code: int(256) };
    return { kind: 'RST' };
  });
}

function encodeOurs(encoder: AshEncoder, spec: Spec): Buffer {
  switch (spec.kind) {
    case 'DATA':
      return encoder.encodeData(spec.frmNum, spec.ackNum, spec.reTx, spec.data);
    case 'ACK':
      return encoder.encodeAck(spec.ackNum, spec.notReady);
    case 'NAK':
      return encoder.encodeNak(spec.ackNum, spec.notReady);
    case 'RSTACK':
      return encoder.encodeRstAck(spec.code);
    case 'ERROR':
      return encoder.encodeError(spec.code);
    case 'RST':
      return encoder.encodeRst(false);
  }
}

/** What herdsman's decoder should report for a spec. */
function asHerdsmanSees(spec: Spec): HerdsmanFrame {
  switch (spec.kind) {
    case 'DATA':
      return { control: dataControl(spec.frmNum, spec.ackNum, spec.reTx), data: spec.data };
    case 'ACK':
      return { control: ackControl(spec.ackNum, spec.notReady), data: Buffer.alloc(0) };
    case 'NAK':
      return { control: nakControl(spec.ackNum, spec.notReady), data: Buffer.alloc(0) };
    case 'RSTACK':
      return { control: 0xc1, data: Buffer.from([2, spec.code]) };
    case 'ERROR':
      return { control: 0xc2, data: Buffer.from([2, spec.code]) };
    case 'RST':
      return { control: 0xc0, data: Buffer.alloc(0) };
  }
}

function decodeOurs(stream: Buffer, chunking: () => number): AshFrame[] {
  const decoder = new AshDecoder();
  const frames: AshFrame[] = [];
  decoder.on('frame', (f) => frames.push(f));
  decoder.on('bad', (b) => {
    throw new Error(`unexpected bad frame: ${b.reason}`);
  });
  for (let at = 0; at < stream.length; ) {
    const size = chunking();
    decoder.push(stream.subarray(at, at + size));
    at += size;
  }
  return frames;
}

describe('cross-check with zigbee-herdsman 10.9.5 ASH', () => {
  it(`herdsman decodes ${FRAMES} frames from our encoder to the same fields`, () => {
    const specs = randomSpecs(FRAMES, 2024);
    const encoder = new AshEncoder();
    const stream = Buffer.concat(specs.map((s) => encodeOurs(encoder, s)));
    const decoded = new HerdsmanAsh().decode(stream);
    expect(decoded).toHaveLength(FRAMES);
    expect(decoded.map(line)).toEqual(specs.map(asHerdsmanSees).map(line));
  });

  it(`we decode ${FRAMES} frames from herdsman's encoder, byte-identical to ours, in any chunking`, () => {
    const specs = randomSpecs(FRAMES, 7, false).map((s, i): Spec => {
      // herdsman's encoder makes DATA (never reTx) on its send path, and ACK/NAK from its flags.
      if (i % 5 === 4) return { kind: i % 2 ? 'ACK' : 'NAK', ackNum: i & 7, notReady: false };
      return s;
    });
    const herdsman = new HerdsmanAsh();
    const ours = new AshEncoder();
    const theirBytes = specs.map((s) => {
      if (s.kind === 'DATA') return herdsman.encodeData(s.frmNum, s.ackNum, s.data);
      if (s.kind === 'ACK' || s.kind === 'NAK') return herdsman.encodeAck(s.ackNum, s.kind === 'NAK');
      throw new Error(`herdsman's encoder has no ${s.kind} here`);
    });
    expect(Buffer.concat(theirBytes).equals(Buffer.concat(specs.map((s) => encodeOurs(ours, s))))).toBe(true);

    const random = seededRandom(99);
    const stream = Buffer.concat(theirBytes);
    const decoded = decodeOurs(stream, () => 1 + Math.floor(random() * 300));
    expect(decoded).toHaveLength(FRAMES);
    expect(decoded.map((f) => line(asHerdsmanSees(toSpec(f))))).toEqual(specs.map((s) => line(asHerdsmanSees(s))));
  });

  it('both drop the same corrupted frames', () => {
    const specs = randomSpecs(2_000, 5);
    const encoder = new AshEncoder();
    const random = seededRandom(6);
    const stream = Buffer.concat(
      specs.map((s) => {
        const bytes = encodeOurs(encoder, s);
        if (random() < 0.3) bytes[Math.floor(random() * (bytes.length - 1))]! ^= 1 << Math.floor(random() * 8);
        return bytes;
      }),
    );
    const theirs = new HerdsmanAsh().decode(stream);
    const decoder = new AshDecoder();
    const ours: HerdsmanFrame[] = [];
    decoder.on('frame', (f) => ours.push(asHerdsmanSees(toSpec(f))));
    decoder.push(stream);
    expect(ours.length).toBeLessThan(specs.length);
    expect(ours.map(line)).toEqual(theirs.map(line));
  });
});

/** One comparable line per frame (deep equality over 10,000 Buffers is slow in the test runner). */
function line(frame: HerdsmanFrame): string {
  return `${frame.control.toString(16)} ${frame.data.toString('hex')}`;
}

function toSpec(frame: AshFrame): Spec {
  switch (frame.kind) {
    case 'RSTACK':
      return { kind: 'RSTACK', code: frame.resetCode };
    case 'ERROR':
      return { kind: 'ERROR', code: frame.errorCode };
    default:
      return frame;
  }
}
