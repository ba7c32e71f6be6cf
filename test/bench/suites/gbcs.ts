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
import type { Store } from '../../../src/store/store.js';
import { buildCommand, ConformanceHub, type HarnessOptions, RTDS_ACB, RTDS_IDENTITY, RTDS_SUPPLIER, vectorNamed } from '../../conformance/harness.js';
import { RTDS_KEYSTORE, rtdsPresent } from '../../helpers/rtds.js';
import { percentile, rateRatio, round, type BenchResult, type BenchSuite } from '../result.js';

/**
 * The GBCS request path: a CHF command authenticated (ECDH, KDF, GCM MAC), replay-checked with the
 * counter synced to LevelDB, handled, and its response sealed, end to end through the router; and
 * the envelope + MAC check + payload decode alone. The peer is the DCC's gbcs-parser (parse and
 * MAC-check the same messages) when GBCS_PARSER_DIR names a built copy of it (kept outside the
 * project: it is GPL and never part of it).
 */
const MESSAGES = 300;
const BURST = 1000;
const PEER_MESSAGES = 300;
/** Runs before any timing, so both sides are measured warm (JIT-compiled), not on their first calls. */
const WARM_UP = 200;

const perSecond = (count: number, ms: number): number => round((count * 1000) / ms, 1);

async function timeAll(items: readonly Buffer[], run: (item: Buffer) => Promise<unknown>): Promise<{ total: number; samples: number[] }> {
  const samples: number[] = [];
  const start = performance.now();
  for (const item of items) {
    const at = performance.now();
    await run(item);
    samples.push(performance.now() - at);
  }
  return { total: performance.now() - start, samples };
}

type PeerParse = (hex: string, lookup: (eui: string | Uint8Array, type: 'KA' | 'DS', options: { privateKey?: boolean }) => Promise<KeyObject>, acb?: string) => Promise<unknown>;

/** gbcs-parser's key store callback over the RTDS keystore folder. */
async function peerKeyStore(): Promise<Parameters<PeerParse>[1]> {
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
  return async (eui, type, options) => {
    const id = (typeof eui === 'string' ? eui : Buffer.from(eui).toString('hex')).replace(/[^0-9a-f]/gi, '').toUpperCase();
    const key = (options.privateKey ? privateKeys : publicKeys).get(`${id}/${type}`);
    if (!key) throw new Error(`no ${type} key for ${id}`);
    return key;
  };
}

function loadPeer(): PeerParse | undefined {
  const dir = process.env['GBCS_PARSER_DIR'];
  if (!dir || !existsSync(join(dir, 'dist/index.js'))) return undefined;
  const required = createRequire(import.meta.url)(join(dir, 'dist/index.js')) as { parseGbcsMessage: PeerParse };
  return required.parseGbcsMessage;
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
    const commands = await build(MESSAGES, 10_000n);
    const { total, samples } = await timeAll(commands, async (bytes) => {
      const outcome = await harness.process(bytes);
      if (outcome.kind !== 'answered') throw new Error(`${useCase} was not answered: ${outcome.kind === 'dropped' ? outcome.refusal.message : outcome.kind}`);
    });
    const rate = perSecond(MESSAGES, total);
    yield { metric: `${useCase.toLowerCase()}_process_rate`, value: rate, unit: 'msg/s', note: `${MESSAGES} commands one after another: MAC check, replay check with a synced counter write, handler, sealed response; p50 ${round(percentile(samples, 50) * 1000, 0)} µs, p99 ${round(percentile(samples, 99) * 1000, 0)} µs` };

    // The same work for commands that arrive together (a head end sending a batch): counters group-committed.
    const burst = await build(BURST, 20_000n);
    const burstStart = performance.now();
    const outcomes = await Promise.all(burst.map((bytes) => harness.process(bytes)));
    const burstMs = performance.now() - burstStart;
    if (outcomes.some((outcome) => outcome.kind !== 'answered')) throw new Error(`${useCase}: a command of the burst was not answered`);
    const burstRate = perSecond(BURST, burstMs);

    const authenticator = harness.hub.authenticator;
    const auth = await timeAll(commands, async (bytes) => {
      const { message } = await authenticator.authenticate(bytes);
      decodePayload({ messageCode: message.header.messageCode, cra: 'command', payload: message.payload });
    });
    const authRate = perSecond(MESSAGES, auth.total);
    const peer = loadPeer();
    const burstNote = `${BURST} commands submitted at once, answered in order, each after its counter is on disk`;
    if (!peer) {
      yield { metric: `${useCase.toLowerCase()}_burst_process_rate`, value: burstRate, unit: 'msg/s', note: burstNote };
      yield { metric: `${useCase.toLowerCase()}_authenticate_decode_rate`, value: authRate, unit: 'msg/s', note: 'envelope, MAC and payload decode; set GBCS_PARSER_DIR to compare with gbcs-parser' };
      return;
    }
    const lookup = await peerKeyStore();
    for (const bytes of commands.slice(0, WARM_UP)) await peer(bytes.toString('hex'), lookup, RTDS_ACB);
    const hexes = commands.slice(0, PEER_MESSAGES).map((bytes) => bytes.toString('hex'));
    const peerTimed = await timeAll(hexes.map((hex) => Buffer.from(hex)), async (hex) => {
      const parsed = await peer(hex.toString(), lookup, RTDS_ACB);
      if (!JSON.stringify(parsed).includes('valid')) throw new Error('gbcs-parser did not check the MAC');
    });
    const peerRate = perSecond(PEER_MESSAGES, peerTimed.total);
    yield { metric: `${useCase.toLowerCase()}_authenticate_decode_rate`, value: authRate, unit: 'msg/s', peer: 'gbcs-parser parse+MAC', peer_value: peerRate, ratio: rateRatio(authRate, peerRate), note: 'the same messages, both checking the MAC and decoding the payload' };
    yield { metric: `${useCase.toLowerCase()}_process_vs_parse`, value: rate, unit: 'msg/s', peer: 'gbcs-parser parse+MAC', peer_value: peerRate, ratio: rateRatio(rate, peerRate), note: 'one after another; ours also handles, writes the counter durably and seals the response' };
    yield { metric: `${useCase.toLowerCase()}_burst_process_vs_parse`, value: burstRate, unit: 'msg/s', peer: 'gbcs-parser parse+MAC', peer_value: peerRate, ratio: rateRatio(burstRate, peerRate), note: burstNote };
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
