import crc16ccitt from 'crc/calculators/crc16ccitt';
import { AshDecoder } from '../../../hal/ash/decoder.js';
import { AshEncoder } from '../../../hal/ash/encoder.js';
import { HerdsmanAsh } from '../../hal/ash/herdsman-oracle.js';
import { seededRandom } from '../../hal/ash/helpers.js';
import { costRatio, rateRatio, round, type BenchResult, type BenchSuite } from '../result.js';

/**
 * The ASH codec's cost against zigbee-herdsman 10.9.5's ASH (its UartAsh send path and AshWriter to
 * encode; its AshParser and readFrame to decode), on the same frames: EZSP frames of 40–100 bytes,
 * about what sendUnicast and incomingMessageHandler carry. Both sides produce owned, de-randomised
 * payloads; herdsman's bytes are checked equal to ours first, so both do the same work.
 */
const FRAMES = 1_000;
const LINE_BYTES_PER_SECOND = 921_600 / 10; // 8N1: ten bits on the line per byte
const RUN_MS = 700;
const ROUNDS = 3;

interface Corpus {
  payloads: Buffer[];
  /** Each frame as it arrives from a serial port framed on Flag: one chunk per frame. */
  wire: Buffer[];
  wireBytes: number;
}

function corpus(): Corpus {
  const random = seededRandom(921_600);
  const encoder = new AshEncoder();
  const payloads = Array.from({ length: FRAMES }, () => {
    const frame = Buffer.alloc(40 + Math.floor(random() * 61));
    for (let i = 0; i < frame.length; i++) frame[i] = Math.floor(random() * 256);
    return frame;
  });
  const wire = payloads.map((p, i) => encoder.encodeData(i & 7, (i + 3) & 7, false, p));
  return { payloads, wire, wireBytes: wire.reduce((n, w) => n + w.length, 0) };
}

interface Measured {
  /** Corpus passes per CPU-second: CPU time, not wall time, so other load on the machine does not count. */
  passesPerSecond: number;
  /** CPU seconds per pass (user + system). */
  cpuPerPass: number;
}

/** Repeat one pass over the corpus for RUN_MS after a warm-up; returns its rate and CPU cost. */
function measure(pass: () => void): Measured {
  for (let i = 0; i < 20; i++) pass();
  let passes = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < RUN_MS) {
    pass();
    passes++;
    elapsed = performance.now() - start;
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { passesPerSecond: passes / cpuSeconds, cpuPerPass: cpuSeconds / passes };
}

/** Alternate ours and theirs over a few rounds and keep each side's best, so neither pays for the other's GC. */
function compare(ours: () => void, theirs: () => void): { ours: Measured; theirs: Measured } {
  let best = { ours: measure(ours), theirs: measure(theirs) };
  for (let round = 1; round < ROUNDS; round++) {
    const o = measure(ours);
    const t = measure(theirs);
    if (o.cpuPerPass < best.ours.cpuPerPass) best = { ...best, ours: o };
    if (t.cpuPerPass < best.theirs.cpuPerPass) best = { ...best, theirs: t };
  }
  return best;
}

function oursEncode(encoder: AshEncoder, c: Corpus): () => void {
  return () => {
    for (let i = 0; i < FRAMES; i++) encoder.encodeData(i & 7, (i + 3) & 7, false, c.payloads[i]!);
  };
}

function oursDecode(c: Corpus): () => void {
  const decoder = new AshDecoder();
  let frames = 0;
  decoder.on('frame', () => frames++);
  return () => {
    for (const chunk of c.wire) decoder.push(chunk);
    if (frames === 0) throw new Error('decoder produced nothing');
  };
}

function herdsmanEncode(herdsman: HerdsmanAsh, c: Corpus): () => void {
  return () => {
    for (let i = 0; i < FRAMES; i++) herdsman.encodeData(i & 7, (i + 3) & 7, c.payloads[i]!);
  };
}

function herdsmanDecode(herdsman: HerdsmanAsh, c: Corpus): () => void {
  return () => {
    for (const chunk of c.wire) herdsman.decode(chunk);
  };
}

function checkSameWork(herdsman: HerdsmanAsh, c: Corpus): void {
  for (let i = 0; i < FRAMES; i++) {
    if (!herdsman.encodeData(i & 7, (i + 3) & 7, c.payloads[i]!).equals(c.wire[i]!)) throw new Error(`herdsman encodes frame ${i} differently`);
    const [decoded] = herdsman.decode(c.wire[i]!);
    if (!decoded?.data.equals(c.payloads[i]!)) throw new Error(`herdsman decodes frame ${i} differently`);
  }
}

const suite: BenchSuite = async function* (): AsyncIterable<BenchResult> {
  const c = corpus();
  const herdsman = new HerdsmanAsh();
  checkSameWork(herdsman, c);
  const encoder = new AshEncoder();
  const note = `${FRAMES} DATA frames, 40-100-byte EZSP payloads, ${round(c.wireBytes / FRAMES, 1)} wire bytes each on average; rates per CPU-second, best of ${ROUNDS} alternating runs`;

  const decode = compare(oursDecode(c), herdsmanDecode(herdsman, c));
  const decodeRate = decode.ours.passesPerSecond * FRAMES;
  const decodePeer = decode.theirs.passesPerSecond * FRAMES;
  yield {
    metric: 'ash.decode',
    value: Math.round(decodeRate),
    unit: 'frames/s',
    peer: 'zigbee-herdsman 10.9.5 AshParser+readFrame',
    peer_value: Math.round(decodePeer),
    ratio: rateRatio(decodeRate, decodePeer),
    note: `${note}; one chunk per frame, as a serial port framed on Flag delivers them`,
  };

  const encode = compare(oursEncode(encoder, c), herdsmanEncode(herdsman, c));
  const encodeRate = encode.ours.passesPerSecond * FRAMES;
  const encodePeer = encode.theirs.passesPerSecond * FRAMES;
  yield {
    metric: 'ash.encode',
    value: Math.round(encodeRate),
    unit: 'frames/s',
    peer: 'zigbee-herdsman 10.9.5 UartAsh.send+AshWriter',
    peer_value: Math.round(encodePeer),
    ratio: rateRatio(encodeRate, encodePeer),
    note,
  };

  // Keeping a 921,600-baud line full both ways means encoding one line-second of frames and decoding another.
  const passesPerLineSecond = LINE_BYTES_PER_SECOND / c.wireBytes;
  const share = (m: { ours: Measured; theirs: Measured }, n: { ours: Measured; theirs: Measured }, side: 'ours' | 'theirs'): number =>
    (m[side].cpuPerPass + n[side].cpuPerPass) * passesPerLineSecond * 100;
  const oursShare = share(encode, decode, 'ours');
  const theirShare = share(encode, decode, 'theirs');
  yield {
    metric: 'ash.cpu_share_921600_full_duplex',
    value: round(oursShare, 3),
    unit: '% of one core',
    peer: 'zigbee-herdsman 10.9.5',
    peer_value: round(theirShare, 3),
    ratio: costRatio(oursShare, theirShare),
    note: `CPU time to encode ${LINE_BYTES_PER_SECOND} and decode ${LINE_BYTES_PER_SECOND} wire bytes (one second of a full 921600 8N1 line each way)`,
  };

  // Why the CRC comes from the `crc` package: its share of our codec's time.
  const bodies = c.payloads.map((p) => Buffer.concat([Buffer.of(0), p]));
  const crcTime = measure(() => {
    for (const body of bodies) crc16ccitt(body);
  }).cpuPerPass;
  yield {
    metric: 'ash.crc_share_of_codec',
    value: round(((2 * crcTime) / (encode.ours.cpuPerPass + decode.ours.cpuPerPass)) * 100, 1),
    unit: '%',
    note: 'crc package (raw table calculator) over each frame once encoding and once decoding, as a share of encode+decode CPU',
  };
};

export default suite;
