import { createCipheriv, createDecipheriv, createECDH, generateKeyPairSync, sign, verify } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { loadConfig } from '../config.js';
import { HubSlots, parseUpgradeImage, hex } from '../firmware/index.js';
import { connectSimControl, startSimProcess, type SimProcess } from '../sim-process.js';
import { jsonCodec, openStore } from '../store/index.js';
import { runDoctor } from './doctor.js';
import { simulatedEsmeJoins } from './selftest-join.js';

/**
 * `hub selftest`: whether this installation can run a hub here — its native modules load, LevelDB
 * writes and reads, the crypto GBCS needs works, the radio answers, the image slots are sound. It is
 * what a board runs after an install or an update, so every check runs and reports on one line.
 */
export type SelftestStatus = 'pass' | 'fail' | 'skip';

export interface SelftestCheck {
  name: 'native' | 'store' | 'crypto' | 'radio' | 'join' | 'slots';
  status: SelftestStatus;
  detail: string;
}

export interface SelftestOptions {
  /** A board profile, a serial path, `tcp://host:port`, or `sim` (start the simulator and ask it). */
  board?: string;
  /** Unset with no board: the simulator, as `hub start` does. */
  port?: string;
  /** The root of the hub's A/B image slots; unset or absent: nothing to check. */
  slots?: string;
  /** The control address of the simulator `port` names (`tcp://host:port`): its ESME is joined too. */
  simControl?: string;
  /** The token file that simulator named (`controlTokenFile`). */
  simControlToken?: string;
}

/** The simulator the radio and join checks talk to: one this run started, or one named by its control. */
type Simulator = { radio: string } & Pick<SimProcess, 'request' | 'devices'>;

/** The native addons a hub loads, by the package that ships each. */
const NATIVE_ADDONS = [
  { name: 'classic-level', path: '/classic-level/' },
  { name: '@serialport/bindings-cpp', path: '/@serialport/bindings-cpp/' },
];

async function nativeCheck(): Promise<Omit<SelftestCheck, 'name'>> {
  await import('level');
  await import('serialport');
  const loaded = (process.report.getReport() as { sharedObjects: string[] }).sharedObjects.filter((file) => file.endsWith('.node'));
  const found = NATIVE_ADDONS.map((addon) => ({ ...addon, file: loaded.find((file) => file.includes(addon.path)) }));
  const absent = found.filter((addon) => addon.file === undefined).map((addon) => addon.name);
  if (absent.length > 0) return { status: 'fail', detail: `not loaded: ${absent.join(', ')}` };
  return { status: 'pass', detail: found.map((addon) => `${addon.name} (${addon.file!.slice(addon.file!.indexOf(addon.path) + addon.path.length)})`).join(', ') };
}

async function storeCheck(): Promise<Omit<SelftestCheck, 'name'>> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-selftest-'));
  try {
    const path = join(dir, 'db');
    const written = { at: Date.now() };
    const store = await openStore({ path });
    await (await store.domain({ name: 'selftest', codec: jsonCodec<{ at: number }>() })).put('probe', written);
    await store.close();
    // Read back after a reopen, so the record came from disk rather than a cache.
    const reopened = await openStore({ path });
    const read = await (await reopened.domain({ name: 'selftest', codec: jsonCodec<{ at: number }>() })).get('probe');
    await reopened.close();
    if (read?.at !== written.at) return { status: 'fail', detail: `LevelDB in ${dir} gave back ${JSON.stringify(read)} for ${JSON.stringify(written)}` };
    return { status: 'pass', detail: `LevelDB wrote, reopened and read back a record in ${tmpdir()}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The GCM specification's Test Case 2 (zero key, IV and block): a known answer, not just a round trip. */
const GCM_KNOWN = { ciphertext: '0388dace60b6a392f328c2b971b2fe78', tag: 'ab6e47d42cec13bdf53a67b21257bddf' };

function cryptoCheck(): Omit<SelftestCheck, 'name'> {
  const failures: string[] = [];
  const signer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const message = Buffer.from('hub selftest');
  const signature = sign('sha256', message, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
  if (!verify('sha256', message, { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, signature)) failures.push('an ECDSA P-256 signature did not verify');
  if (verify('sha256', Buffer.from('hub selftesT'), { key: signer.publicKey, dsaEncoding: 'ieee-p1363' }, signature)) failures.push('ECDSA verified a changed message');
  const [ours, theirs] = [createECDH('prime256v1'), createECDH('prime256v1')];
  const [ourPublic, theirPublic] = [ours.generateKeys(), theirs.generateKeys()];
  if (!ours.computeSecret(theirPublic).equals(theirs.computeSecret(ourPublic))) failures.push('the two sides of an ECDH P-256 agreement differ');
  const cipher = createCipheriv('aes-128-gcm', Buffer.alloc(16), Buffer.alloc(12));
  const ciphertext = Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()]);
  if (ciphertext.toString('hex') !== GCM_KNOWN.ciphertext || cipher.getAuthTag().toString('hex') !== GCM_KNOWN.tag) failures.push('AES-128-GCM gave the wrong answer to the known test vector');
  const decipher = createDecipheriv('aes-128-gcm', Buffer.alloc(16), Buffer.alloc(12)).setAuthTag(Buffer.from(GCM_KNOWN.tag, 'hex'));
  const tampered = Buffer.from(GCM_KNOWN.ciphertext, 'hex');
  tampered[0]! ^= 1;
  decipher.update(tampered);
  if (!throws(() => decipher.final())) failures.push('AES-GCM accepted a tampered ciphertext');
  if (failures.length > 0) return { status: 'fail', detail: failures.join('; ') };
  return { status: 'pass', detail: 'ECDSA P-256 sign and verify, ECDH P-256, AES-128-GCM (known answer, tamper refused)' };
}

function throws(action: () => unknown): boolean {
  try {
    action();
    return false;
  } catch {
    return true;
  }
}

async function radioCheck(options: SelftestOptions, sim: Simulator | undefined): Promise<Omit<SelftestCheck, 'name'>> {
  const port = sim?.radio ?? (options.port === 'sim' ? undefined : options.port);
  const report = await runDoctor({ board: options.board, port });
  const failed = report.checks.find((check) => check.status === 'fail');
  const target = sim ? `the simulator on ${sim.radio}` : report.target;
  if (failed) return { status: 'fail', detail: `${target}: ${failed.title}: ${failed.detail}${failed.fix ? ` (fix: ${failed.fix}; see hub doctor)` : ''}` };
  const ash = report.checks.find((check) => check.id === 'ash');
  return { status: 'pass', detail: `${target}: ${ash?.detail ?? 'answers'}` };
}

async function joinCheck(sim: Simulator | undefined): Promise<Omit<SelftestCheck, 'name'>> {
  if (!sim) return { status: 'skip', detail: 'a real radio: join a Device with hub devices add and its install code (or give --sim-control for a simulator)' };
  return simulatedEsmeJoins(sim.radio, sim);
}

/** Starts the simulator when no radio is named, or connects to the control of the one named; undefined for a real radio. */
async function openSimulator(options: SelftestOptions): Promise<{ sim: Simulator; close: () => Promise<void> } | undefined> {
  if (options.board === undefined && (options.port === undefined || options.port === 'sim')) {
    const sim = await startSimProcess({ args: ['--log-level', 'warn'] });
    return { sim, close: () => sim.stop() };
  }
  if (options.simControl === undefined || options.port === undefined) return undefined;
  const control = await connectSimControl(options.simControl, options.simControlToken);
  return { sim: { radio: options.port, request: control.request, devices: control.devices }, close: async () => control.close() };
}

async function slotsCheck(root: string | undefined): Promise<Omit<SelftestCheck, 'name'>> {
  if (root === undefined) return { status: 'skip', detail: 'no slot tree configured (firmware.slots)' };
  if (!existsSync(join(root, 'state.json'))) return { status: 'skip', detail: `no slot tree at ${root}` };
  // Whole by its manifest's hash and parseable; the supplier's signature is the start-up's business.
  const tree = new HubSlots(root, (image) => void parseUpgradeImage(image));
  const state = await tree.state();
  const image = await tree.complete(state.active);
  const trial = state.trial ? `, on trial from slot ${state.trial.from.toUpperCase()}` : '';
  if (!image) return { status: 'fail', detail: `slot ${state.active.toUpperCase()} runs${trial} but its image is not whole (${root})` };
  const version = hex(parseUpgradeImage(image).header.fileVersion, 8);
  return { status: 'pass', detail: `slot ${state.active.toUpperCase()} runs version 0x${version}${trial}, its image whole` };
}

/** Runs every check, whatever the others gave: one report says everything wrong at once. */
export async function runSelftest(options: SelftestOptions): Promise<SelftestCheck[]> {
  let simulator: Awaited<ReturnType<typeof openSimulator>>;
  let simulatorProblem: string | undefined;
  try {
    simulator = await openSimulator(options);
  } catch (error) {
    simulatorProblem = `the simulator: ${error instanceof Error ? error.message : String(error)}`;
  }
  const withSim = <T>(check: (sim: Simulator | undefined) => T) => () => {
    if (simulatorProblem) throw new Error(simulatorProblem);
    return check(simulator?.sim);
  };
  const checks: Array<[SelftestCheck['name'], () => Promise<Omit<SelftestCheck, 'name'>> | Omit<SelftestCheck, 'name'>]> = [
    ['native', nativeCheck],
    ['store', storeCheck],
    ['crypto', cryptoCheck],
    ['radio', withSim((sim) => radioCheck(options, sim))],
    ['join', withSim(joinCheck)],
    ['slots', () => slotsCheck(options.slots)],
  ];
  const results: SelftestCheck[] = [];
  for (const [name, check] of checks) {
    try {
      results.push({ name, ...(await check()) });
    } catch (error) {
      results.push({ name, status: 'fail', detail: error instanceof Error ? error.message : String(error) });
    }
  }
  await simulator?.close();
  return results;
}

export function formatSelftest(checks: SelftestCheck[]): string {
  return checks.map((check) => `${check.status.toUpperCase().padEnd(4)}  ${check.name.padEnd(6)}  ${check.detail}\n`).join('');
}

export function registerSelftest(program: Command): void {
  program
    .command('selftest')
    .description('check this installation: native modules, LevelDB, crypto, the radio (or the simulator, whose ESME joins) and the image slots; exit 1 if any fails')
    .option('-b, --board <name>', "board profile whose radio to ask (default: the config's radio.board)")
    .option('-p, --port <path|tcp://host:port|sim>', "the radio to ask (default: the config's radio.port; sim starts the simulator)")
    .option('--slots <dir>', "the root of the hub's A/B image slots (default: the config's firmware.slots)")
    .option('--sim-control <tcp://host:port>', "the control of the simulator --port names, so its ESME is joined too")
    .option('--sim-control-token <file>', "that simulator's control token file (its controlTokenFile)")
    .action(async (opts: { board?: string; port?: string; slots?: string; simControl?: string; simControlToken?: string }) => {
      const config = await loadConfig(program.opts<{ config?: string }>().config);
      const checks = await runSelftest({ board: opts.board ?? config.radio.board, port: opts.port ?? config.radio.port, slots: opts.slots ?? config.firmware.slots, ...(opts.simControl ? { simControl: opts.simControl } : {}), ...(opts.simControlToken ? { simControlToken: opts.simControlToken } : {}) });
      process.stdout.write(formatSelftest(checks));
      if (checks.some((check) => check.status === 'fail')) throw new CommanderError(1, 'hub.selftest.failed', 'a check failed');
    });
}
