import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { decodeMessage } from '../../../src/gbcs/index.js';
import { decodePayload } from '../../../src/gbcs/payload/index.js';
import { ALL_HANDLERS } from '../../../src/hub/handlers.js';
import { CHF_STATES } from '../../conformance/chf-seeds.js';
import { GasProxyData, GpfDeviceLog } from '../../../src/gpf/index.js';
import type { GbcsHubOptions } from '../../../src/hub/gbcs-hub.js';
import type { Store } from '../../../src/store/index.js';
import { GbcsAuthenticator } from '../../../src/gbcs/authenticator.js';
import { buildCommand, ConformanceHub, type HarnessOptions, RTDS_ACB, RTDS_IDENTITY, RTDS_SUPPLIER, rtdsKeystore, vectorNamed } from '../../conformance/harness.js';
import { RTDS_KEYSTORE, rtdsPresent } from '../../helpers/rtds.js';
import { ALTERNATION, alternate, cpuMs, percentile, rateRatio, round, type BenchResult, type BenchSuite } from '../result.js';

/**
 * The GBCS request path: a CHF command authenticated (ECDH, KDF, GCM MAC), replay-checked with the
 * counter synced to LevelDB, handled, and its response sealed, end to end through the router (no
 * peer does that work); and the envelope + MAC check + payload decode alone, with and without the
 * hub's ECDH secret cache. The peer for the latter is the DCC's gbcs-parser (parse and MAC-check
 * the same messages) when GBCS_PARSER_DIR names a built copy of it (kept outside the project: it
 * is GPL and never part of it).
 */
const MESSAGES = 300;
const BURST = 1000;
const PEER_MESSAGES = 300;
/** Passes over those messages in each run: enough CPU time per run for the clock's grain not to matter. */
const PASSES = 3;
/** Runs before any timing, so both sides are measured warm (JIT-compiled), not on their first calls. */
const WARM_UP = 200;

const perSecond = (count: number, ms: number): number => round((count * 1000) / ms, 1);

async function timeAll<T>(items: readonly T[], run: (item: T) => Promise<unknown>): Promise<{ total: number; samples: number[] }> {
  const samples: number[] = [];
  const start = performance.now();
  for (const item of items) {
    const at = performance.now();
    await run(item);
    samples.push(performance.now() - at);
  }
  return { total: performance.now() - start, samples };
}

type PeerLookup = (eui: string | Uint8Array, type: 'KA' | 'DS', options: { privateKey?: boolean }) => Promise<KeyObject>;
type PeerParse = (hex: string, lookup: PeerLookup, acb?: string) => Promise<PeerParsed>;
/** gbcs-parser's output: blocks of items; its MAC block's MAC item notes 'valid', 'invalid' or 'unknown'. */
type PeerParsed = Record<string, { children?: Record<string, { notes?: string }> }>;

const hexId = (eui: string | Uint8Array): string => (typeof eui === 'string' ? eui : Buffer.from(eui).toString('hex')).replace(/[^0-9a-f]/gi, '').toUpperCase();

/**
 * gbcs-parser's key store callback over the RTDS keystore folder, for commands to `recipient`.
 * gbcs-parser first asks for the ACB's public and the recipient's private KA key, and only when
 * that throws for the ACB's private and the recipient's public one. The RTDS holds no private key
 * of the hub's, so that first pair is answered with its ECDH equivalent (the recipient's public
 * key, the ACB's private key: the same shared secret, the same work): a lookup that threw on every
 * message would charge gbcs-parser an exception and a second pair of lookups the hub never pays.
 */
async function peerKeyStore(recipient: string): Promise<{ lookup: PeerLookup; failures: () => number }> {
  const publicKeys = new Map<string, KeyObject>();
  const privateKeys = new Map<string, KeyObject>();
  for (const name of await readdir(RTDS_KEYSTORE)) {
    const match = /^([0-9a-f]{16})-(ds|ka)\.(pem|key)$/i.exec(name);
    if (!match) continue;
    const text = await readFile(join(RTDS_KEYSTORE, name), 'utf8');
    const slot = `${match[1]!.toUpperCase()}/${match[2]!.toUpperCase()}`;
    if (match[3] === 'key') privateKeys.set(slot, createPrivateKey(text));
    else if (text.includes('BEGIN CERTIFICATE')) publicKeys.set(slot, new X509Certificate(text).publicKey);
    else publicKeys.set(slot, createPublicKey(text));
  }
  const acb = RTDS_ACB.toUpperCase();
  const target = recipient.toUpperCase();
  let failures = 0;
  const lookup: PeerLookup = async (eui, type, options) => {
    let id = hexId(eui);
    if (type === 'KA' && !options.privateKey && id === acb) id = target;
    else if (type === 'KA' && options.privateKey && id === target) id = acb;
    const key = (options.privateKey ? privateKeys : publicKeys).get(`${id}/${type}`);
    if (!key) {
      failures++;
      throw new Error(`no ${type} key for ${id}`);
    }
    return key;
  };
  return { lookup, failures: () => failures };
}

function loadPeer(): PeerParse | undefined {
  const dir = process.env['GBCS_PARSER_DIR'];
  if (!dir || !existsSync(join(dir, 'dist/index.js'))) return undefined;
  const required = createRequire(import.meta.url)(join(dir, 'dist/index.js')) as { parseGbcsMessage: PeerParse };
  return required.parseGbcsMessage;
}

/** gbcs-parser's verdict on the MAC: exactly 'valid', not a string that merely contains it ('invalid'). */
const peerMacVerdict = (parsed: PeerParsed): string | undefined => parsed['MAC']?.children?.['MAC']?.notes;

/** Messages per CPU-second over one pass, each awaited before the next: the work is CPU-bound and the machine may be shared. */
async function passRate<T>(items: readonly T[], run: (item: T) => Promise<unknown>): Promise<{ rate: number }> {
  const used = await cpuMs(async () => {
    for (let pass = 0; pass < PASSES; pass++) await timeAll(items, run);
  });
  return { rate: perSecond(items.length * PASSES, used) };
}

const AUTH_SPAN = 'one message at a time, awaited, from its bytes (ours) or hex (gbcs-parser\'s input) to the MAC checked and the payload decoded, in CPU time (msg per CPU-second); checks of the outcome after the timing';

async function* authenticateRows(useCase: string, harness: ConformanceHub, commands: readonly Buffer[], recipient: string): AsyncIterable<BenchResult> {
  const metric = useCase.toLowerCase();
  const cached = harness.hub.authenticator;
  // The same authenticator, over the RTDS secure element without the hub's secret cache: ECDH per message.
  const uncached = new GbcsAuthenticator({ secureElement: (await rtdsKeystore()).secureElement, credentials: harness.hub.credentials, ownDevices: [RTDS_IDENTITY.chf, RTDS_IDENTITY.gpf] });
  const ours = (authenticator: GbcsAuthenticator) => async (bytes: Buffer) => {
    const { message } = await authenticator.authenticate(bytes);
    decodePayload({ messageCode: message.header.messageCode, cra: 'command', payload: message.payload });
  };
  const peer = loadPeer();
  const hexes = commands.slice(0, PEER_MESSAGES).map((bytes) => bytes.toString('hex'));
  const mine = commands.slice(0, PEER_MESSAGES);
  if (!peer) {
    const { ours: cachedRate, uncached: uncachedRate } = await alternate({ ours: () => passRate(mine, ours(cached)), uncached: () => passRate(mine, ours(uncached)) });
    yield {
      metric: `${metric}_authenticate_decode_rate`, value: cachedRate.rate, unit: 'msg/s', baseline: 'ours without the secret cache', baseline_value: uncachedRate.rate, ratio: rateRatio(cachedRate.rate, uncachedRate.rate),
      span: AUTH_SPAN, caching: 'ours: the ECDH secret of each key pair, computed once (SecretCachingSecureElement); baseline: none, ECDH per message',
      note: `${PEER_MESSAGES} messages, ${PASSES} passes per run, ${ALTERNATION}; set GBCS_PARSER_DIR to a built gbcs-parser to compare with it`,
    };
    return;
  }
  const { lookup, failures } = await peerKeyStore(recipient);
  const verdicts: Array<string | undefined> = [];
  const theirs = async (hex: string) => verdicts.push(peerMacVerdict(await peer(hex, lookup, RTDS_ACB)));
  for (const hex of hexes.slice(0, WARM_UP)) await theirs(hex);
  const rates = await alternate({
    ours: () => passRate(mine, ours(cached)),
    uncached: () => passRate(mine, ours(uncached)),
    peer: () => passRate(hexes, theirs),
  });
  const wrong = verdicts.filter((verdict) => verdict !== 'valid');
  if (wrong.length > 0) throw new Error(`gbcs-parser did not find the MAC valid for ${wrong.length} of ${verdicts.length} messages: ${[...new Set(wrong)].join(', ')}`);
  if (failures() > 0) throw new Error(`gbcs-parser's key lookup failed ${failures()} times: its retries would be charged to it`);
  const note = `the same ${PEER_MESSAGES} messages, ${PASSES} passes per run, ${ALTERNATION}; gbcs-parser's every MAC verdict checked to be 'valid', and no key lookup failed`;
  yield {
    metric: `${metric}_authenticate_decode_rate`, value: rates.ours.rate, unit: 'msg/s', peer: 'gbcs-parser parse+MAC', peer_value: rates.peer.rate, ratio: rateRatio(rates.ours.rate, rates.peer.rate),
    span: AUTH_SPAN, caching: 'ours caches the ECDH secret of each key pair (SecretCachingSecureElement); gbcs-parser has no such cache and does ECDH per message: see _uncached for like-for-like', note,
  };
  yield {
    metric: `${metric}_authenticate_decode_rate_uncached`, value: rates.uncached.rate, unit: 'msg/s', peer: 'gbcs-parser parse+MAC', peer_value: rates.peer.rate, ratio: rateRatio(rates.uncached.rate, rates.peer.rate),
    span: AUTH_SPAN, caching: 'neither side caches: both do ECDH and the KDF per message; key objects are loaded once on both sides', note,
  };
}

async function* measureUseCase(useCase: string, options: HarnessOptions, messageCode: number, payload: Buffer, recipient = RTDS_IDENTITY.chf): AsyncIterable<BenchResult> {
  const harness = await ConformanceHub.open(options);
  try {
    const build = async (count: number, first: bigint) => {
      const built: Buffer[] = [];
      for (let i = 0; i < count; i++) built.push(await buildCommand(harness, { messageCode, payload, counter: first + BigInt(i), recipient, remoteParty: RTDS_SUPPLIER }));
      return built;
    };
    for (const bytes of await build(WARM_UP, 1_000n)) await harness.process(bytes);
    let first = 10_000n;
    const fresh = async (count: number) => {
      const built = await build(count, first);
      first += BigInt(count);
      return built;
    };
    let commands: Buffer[] = [];
    let samples: number[] = [];
    const answered = (outcome: Awaited<ReturnType<typeof harness.process>>) => {
      if (outcome.kind !== 'answered') throw new Error(`${useCase} was not answered: ${outcome.kind === 'dropped' ? outcome.refusal.message : outcome.kind}`);
    };
    const measured = await alternate({
      oneByOne: async () => {
        commands = await fresh(MESSAGES);
        const timed = await timeAll(commands, async (bytes) => answered(await harness.process(bytes)));
        samples = timed.samples;
        return { rate: perSecond(MESSAGES, timed.total) };
      },
      // The same work for commands that arrive together (a head end sending a batch): counters group-committed.
      burst: async () => {
        const burst = await fresh(BURST);
        const burstStart = performance.now();
        const outcomes = await Promise.all(burst.map((bytes) => harness.process(bytes)));
        const burstMs = performance.now() - burstStart;
        outcomes.forEach(answered);
        return { rate: perSecond(BURST, burstMs) };
      },
    });
    const runs = `${ALTERNATION} (one after another, then a burst)`;
    yield { metric: `${useCase.toLowerCase()}_process_rate`, value: measured.oneByOne.rate, unit: 'msg/s', note: `${MESSAGES} commands one after another: MAC check, replay check with a synced counter write, handler, sealed response; ${runs}; last run p50 ${round(percentile(samples, 50) * 1000, 0)} µs, p99 ${round(percentile(samples, 99) * 1000, 0)} µs; no peer does this work` };
    yield { metric: `${useCase.toLowerCase()}_burst_process_rate`, value: measured.burst.rate, unit: 'msg/s', note: `${BURST} commands submitted at once, answered in order, each after its counter is on disk; ${runs}; no peer does this work` };

    yield* authenticateRows(useCase, harness, commands, recipient);
  } finally {
    await harness.close();
  }
}

/** The GPF holding a consumption reading, as the RTDS GCS13a response reports one. */
async function gpfWithReading(store: Store): Promise<Partial<GbcsHubOptions>> {
  const gpf = { data: await GasProxyData.open(store), deviceLog: await GpfDeviceLog.open(store) };
  await gpf.data.recordReading({ at: Date.UTC(2015, 0, 1), timeSource: 'gpf', consumption: 12.345, blockCounters: [0, 0.001, 0.002, 0.003], touRegisters: [1, 2, 3, 4] });
  return { gpf };
}

const suite: BenchSuite = async function* () {
  if (!rtdsPresent) {
    process.stderr.write('gbcs bench: RTDS vectors not found (set RTDS_DIR)\n');
    return;
  }
  const ccs06 = decodeMessage(vectorNamed('CCS06_8.9_SUCCESS_COMMAND_GBCS.HEX').bytes).payload;
  yield* measureUseCase('CCS06', { seed: CHF_STATES['CCS06_SUCCESS']!.seed }, 0x010f, ccs06);
  if (ALL_HANDLERS.some((handler) => handler.useCase === 'GCS13a')) {
    const gcs13a = decodeMessage(vectorNamed('GCS13a_4.1.1_SUCCESS_RELIABLE_GPF_COMMAND_GBCS.HEX').bytes).payload;
    yield* measureUseCase('GCS13a', { seed: { now: '2015-01-01T00:00:00Z' }, extras: gpfWithReading }, 0x0074, gcs13a, RTDS_IDENTITY.gpf);
  }
};

export default suite;
