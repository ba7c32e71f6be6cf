import crc16ccitt from 'crc/calculators/crc16ccitt';
import { AshDecoder } from '../../../hal/ash/decoder.js';
import { AshEncoder } from '../../../hal/ash/encoder.js';
import { HerdsmanAsh } from '../../hal/ash/herdsman-oracle.js';
import { seededRandom } from '../../hal/ash/helpers.js';
import { ALTERNATION, costRatio, median, rateRatio, round, RUNS, type BenchResult, type BenchSuite } from '../result.js';

/**
 * The ASH codec's cost against zigbee-herdsman 10.9.5's ASH (its UartAsh send path and AshWriter to
 * encode; its AshParser and readFrame to decode), on the same frames: EZSP frames of 40–100 bytes,
 * about what sendUnicast and incomingMessageHandler carry. Both sides produce owned, de-randomised
 * payloads; herdsman's bytes are checked equal to ours first, so both do the same work.
 */
const FRAMES = 1_000;
const LINE_BYTES_PER_SECOND = 921_600 / 10; // 8N1: ten bits on the line per byte
const RUN_MS = 500;

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

/** The run of median CPU cost among a side's runs. */
function medianRun(runs: Measured[]): Measured {
  const cpuPerPass = median(runs.map((run) => run.cpuPerPass));
  return { cpuPerPass, passesPerSecond: 1 / cpuPerPass };
}

/** Alternate ours and theirs run by run (ours first, then theirs first...) and keep each side's median, so neither always runs on the other's garbage. */
function compare(ours: () => void, theirs: () => void): { ours: Measured; theirs: Measured } {
  const runs = { ours: [] as Measured[], theirs: [] as Measured[] };
  for (let run = 0; run < RUNS; run++) {
    for (const side of run % 2 === 0 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const)) runs[side].push(measure(side === 'ours' ? ours : theirs));
  }
  return { ours: medianRun(runs.ours), theirs: medianRun(runs.theirs) };
}

const CACHING = 'both sides reuse one encoder/decoder (or herdsman parser) across passes, as a link does; the corpus is built before timing; nothing of one pass is kept for the next';

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
  const note = `${FRAMES} DATA frames, 40-100-byte EZSP payloads, ${round(c.wireBytes / FRAMES, 1)} wire bytes each on average; rates per CPU-second, ${ALTERNATION}, each run ${RUN_MS} ms of passes`;

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
    span: 'CPU time of one pass: every frame of the corpus pushed as one chunk (as a serial port framed on Flag delivers it) until its de-randomised payload is out, on both sides',
    caching: CACHING,
    note,
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
    span: 'CPU time of one pass: every payload of the corpus encoded to its wire bytes (CRC, randomising, stuffing, flag), on both sides; the bytes were checked equal first',
    caching: CACHING,
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
    span: 'the encode and decode passes above, scaled to one second of a full line each way',
    caching: CACHING,
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
