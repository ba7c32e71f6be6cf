import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ManualClock } from '../../hal/clock.js';
import { eui64FromBytes, eui64ToBytes, isEui64, notAnEui64 } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import { LinkStatisticsTable } from '../chf/use-cases/index.js';
import { decodeMessage, messageCodeEntry } from '../gbcs/index.js';
import { GasProxyData, GpfDeviceLog } from '../gpf/index.js';
import { openHubLogs } from '../logs/index.js';
import { seedCredentialsFromKeystore } from '../security/credentials.js';
import { PinStore } from '../security/pin-store.js';
import { loadRtdsKeystore } from '../security/rtds-secure-element.js';
import { openStore } from '../store/index.js';
import { openGbcsHub } from './gbcs-hub.js';
import type { Outcome } from './router.js';
import { applySeed, SeedError, seedTime } from './seed.js';
import { parseStateFile, type StateFile } from './seed-schema.js';

export type { StateFile } from './seed-schema.js';
import type { HubIdentity } from '../use-case/index.js';

/**
 * One command through a throwaway hub: `hub gbcs process`. The hub's state starts from a state
 * file (a HubSeed, JSON or YAML) or empty; its store lives in a temp dir removed afterwards; its
 * keys and trusted certificates come from an RTDS-style keystore.
 */
export interface ProcessOnceOptions {
  keystoreDir: string;
  stateFile?: string;
}

export async function readStateFile(path: string): Promise<StateFile> {
  let value: unknown;
  try {
    value = parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new SeedError('SEED_INVALID', 'cannot be read as JSON or YAML', { where: path, cause });
  }
  return parseStateFile(value ?? {}, path);
}

function neighbour(eui: Eui64, step: 1n | -1n): Eui64 {
  const next = (eui64ToBytes(eui).readBigUInt64BE(0) + step) & 0xffffffffffffffffn;
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(next);
  return eui64FromBytes(bytes);
}

function checkedEui(text: string | undefined, where: string): Eui64 | undefined {
  if (text === undefined) return undefined;
  const upper = String(text).toUpperCase();
  if (!isEui64(upper)) throw new SeedError('SEED_INVALID', notAnEui64(upper), { where });
  return upper;
}

/**
 * The hub's identity: the state file's, else the message's recipient as the CHF (or as the GPF
 * for a GPF use case), the other Device beside it as GB hubs number them (GPF = CHF + 1).
 */
export function identityFor(bytes: Buffer, state: StateFile): HubIdentity {
  const header = decodeMessage(bytes, { allowUnknownMessageCode: true }).header;
  const forGpf = messageCodeEntry(header.messageCode)?.target === 'GPF';
  const chf = checkedEui(state.identity?.chf, 'identity.chf') ?? (forGpf ? neighbour(header.recipient, -1n) : header.recipient);
  const gpf = checkedEui(state.identity?.gpf, 'identity.gpf') ?? neighbour(chf, 1n);
  return { chf, gpf, manufacturerId: Buffer.from('0000', 'hex'), modelType: Buffer.from('0000', 'hex') };
}

export interface ProcessedOnce {
  outcome: Outcome;
  /** Hex, one message per line: the response, then the alerts. */
  lines: string[];
}

export async function processOnce(bytes: Buffer, options: ProcessOnceOptions): Promise<ProcessedOnce> {
  const state = options.stateFile ? await readStateFile(options.stateFile) : {};
  const identity = identityFor(bytes, state);
  const { secureElement } = await loadRtdsKeystore(options.keystoreDir);
  // An RTDS-style keystore holds no private key of the hub's Devices: this throwaway hub signs its
  // answers to critical commands with keys of its own, which its certificates do not match.
  await secureElement.generateMissingSigningKeys([identity.chf, identity.gpf]);
  const dir = await mkdtemp(join(tmpdir(), 'hub-gbcs-process-'));
  const store = await openStore({ path: join(dir, 'db'), secureElement });
  try {
    const clock = new ManualClock(state.now === undefined ? Date.now() : seedTime(state.now, 'now'));
    const linkStatistics = new LinkStatisticsTable();
    const extendedPanId = Buffer.from(state.extendedPanId ?? '0000000000000000', 'hex');
    if (extendedPanId.length !== 8) throw new SeedError('SEED_INVALID', 'is not 8 bytes of hex', { where: 'extendedPanId' });
    const logs = await openHubLogs(store, clock);
    // A PIN store as the running hub has one, so GCS11 is answered as there (no privacy PIN set: success).
    const pins = await PinStore.open(store, { clock, securityLog: logs.securityLog });
    const gpf = { deviceLog: await GpfDeviceLog.open(store), data: await GasProxyData.open(store), pins };
    const hub = await openGbcsHub({ store, secureElement, clock, identity, linkStatistics, logs, gpf, extendedPanId: () => extendedPanId });
    try {
      await seedCredentialsFromKeystore(hub.credentials, options.keystoreDir, [identity.chf, identity.gpf]);
      await applySeed({ hub, linkStatistics, setTime: (ms) => clock.set(ms) }, state);
      hub.start();
      const outcome = await hub.router.process(bytes);
      await hub.router.alerts.idle();
      const lines = [...(outcome.kind === 'answered' ? [outcome.response] : []), ...outcome.alerts.map((alert) => alert.bytes)].map((b) => b.toString('hex').toUpperCase());
      return { outcome, lines };
    } finally {
      await hub.stop();
    }
  } finally {
    await store.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

