import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strictEqual } from 'node:assert';
import { ManualClock } from '../../hal/clock.js';
import { RadioError, type Eui64 } from '../../hal/radio.js';
import { DeviceLog } from '../../src/chf/device-log.js';
import { JoinWindows } from '../../src/chf/join-window.js';
import { HanAdmission } from '../../src/han/admission.js';
import type { SealedAlert } from '../../src/hub/alert-queue.js';
import { openHubLogs, type HubLogs } from '../../src/logs/hub-logs.js';
import { RadioDouble } from '../src/han/admission-radio-double.js';
import { LinkStatisticsTable } from '../../src/chf/use-cases/index.js';
import { hashTcLinkKey } from '../../src/chf/link-key-hash.js';
import { decodeMessage, isSigned, signedPart, type GbcsMessage } from '../../src/gbcs/index.js';
import { CCS07, CS14, type DeviceLogBackup } from '../../src/gbcs/payload/dlms/index.js';
import { openGbcsHub, type GbcsHub, type GbcsHubOptions } from '../../src/hub/gbcs-hub.js';
import type { Outcome } from '../../src/hub/router.js';
import { applySeed, type HubSeed } from '../../src/hub/seed.js';
import type { HubIdentity } from '../../src/use-case/use-case.js';
import { parseCertificate, type Credential, type RemotePartyRole } from '../../src/security/certificates.js';
import { TRUSTED_ROLES } from '../../src/security/credentials.js';
import { loadRtdsKeystore, type RtdsKeystore } from '../../src/security/rtds-secure-element.js';
import { bytesCodec, openStore, type Store } from '../../src/store/index.js';
import { loadVectors, RTDS_KEYSTORE, type Vector } from '../helpers/rtds.js';

/**
 * The conformance harness: a hub on a real LevelDB in a temp dir, keyed with the RTDS keystore (the
 * test SecureElement derives exactly a real hub's MAC keys), seeded with the state a vector
 * implies, and ways to run a COMMAND vector through it and compare the answer byte for byte.
 */
export const RTDS_IDENTITY: HubIdentity = {
  chf: '00DB1234567890A2',
  gpf: '00DB1234567890A3',
  manufacturerId: Buffer.from('1234', 'hex'),
  modelType: Buffer.from('0001', 'hex'),
};

/** State-store domains the hub keeps; snapshots compare them before and after a refused message. */
export const STATE_DOMAINS: ReadonlyArray<{ name: string; personal?: boolean }> = [
  { name: 'deviceLog', personal: true },
  { name: 'deviceLastCommunication' },
  { name: 'historicDeviceLog', personal: true },
  { name: 'counters' },
  { name: 'credentials' },
  { name: 'credentialSequence' },
  { name: 'supplyArrangement' },
  { name: 'chfEventLog' },
];
export const SECURITY_LOG_DOMAIN = 'chfSecurityLog';

let keystore: Promise<RtdsKeystore> | undefined;
/**
 * Loaded once per test file: parsing a few hundred certificates is the slow part. The RTDS holds
 * no private key of the CHF or GPF, so each gets a Digital Signing key pair of its own here to
 * sign answers to critical commands; tests check those signatures against its public half
 * (`signingKeyOf`), never against the RTDS certificate.
 */
export function rtdsKeystore(): Promise<RtdsKeystore> {
  keystore ??= loadRtdsKeystore(RTDS_KEYSTORE).then(async (loaded) => {
    await loaded.secureElement.generateMissingSigningKeys([RTDS_IDENTITY.chf, RTDS_IDENTITY.gpf]);
    return loaded;
  });
  return keystore;
}

/** The public key the harness's secure element signs with for one of the hub's Devices. */
export async function signingKeyOf(device: Eui64): Promise<KeyObject> {
  const der = await (await rtdsKeystore()).secureElement.publicKey(device, 'digitalSigning');
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

/**
 * Assert the hub answered a critical command as GBCS has it: no MAC header, no MAC, the
 * answering Device's signature over the grouping header and payload. Returns the response.
 */
export async function expectSignedResponse(outcome: Outcome): Promise<GbcsMessage> {
  if (outcome.kind !== 'answered') throw new Error(`expected a response, the hub ${outcome.kind === 'dropped' ? `dropped the command (${outcome.refusal.code}: ${outcome.refusal.message})` : 'relayed it'}`);
  const message = decodeMessage(outcome.response);
  strictEqual(message.macHeader, undefined, 'a response to a critical command carries no MAC header');
  strictEqual(message.mac, undefined, 'a response to a critical command carries no MAC');
  if (!isSigned(message)) throw new Error('the response to a critical command is not signed');
  const { originator } = message.header;
  if (originator !== RTDS_IDENTITY.chf && originator !== RTDS_IDENTITY.gpf) throw new Error(`signed by ${originator}, not the hub`);
  const valid = verify('sha256', signedPart(message), { key: await signingKeyOf(originator), dsaEncoding: 'ieee-p1363' }, message.signature);
  if (!valid) throw new Error(`the response signature does not verify with ${originator}'s signing key`);
  return message;
}

/** The remote parties' certificates the hub trusts, and its own (the CHF's and GPF's). */
export async function trustedCredentials(): Promise<Array<{ credential: Credential; own: boolean }>> {
  const { trustStore } = await rtdsKeystore();
  const own = new Set<Eui64>([RTDS_IDENTITY.chf, RTDS_IDENTITY.gpf]);
  return trustStore
    .all()
    .filter((credential) => own.has(credential.eui) || (credential.role !== undefined && TRUSTED_ROLES.includes(credential.role)))
    .map((credential) => ({ credential: parseCertificate(credential.der), own: own.has(credential.eui) }));
}

/**
 * Faults a vector's ERROR outcome implies, made with real parts failing: the Device Log closed
 * (its store writes and flushes refuse), the logs on a store that has been closed, the HAN
 * radio refusing to open joining.
 */
export type Fault = 'deviceLog' | 'eventLog';

/** The HAN behind the join windows: the radio double admits joins; `failing` refuses to open joining. */
export type Han = 'radio' | 'failing-radio';

export interface HarnessOptions {
  seed?: HubSeed;
  faults?: readonly Fault[];
  han?: Han;
  /** State modules a test adds (the GPF's, Sub GHz), opened on the harness's store and clock. */
  extras?: (store: Store, clock: ManualClock) => Promise<Partial<GbcsHubOptions>>;
  /** Which of the RTDS remote parties' certificates the hub trusts (default: every one with a trusted role). */
  trust?: (credential: Credential) => boolean;
  /** Extra store domains to include in snapshots. */
  domains?: ReadonlyArray<{ name: string; personal?: boolean }>;
  /** What the hub's configuration says of it, over RTDS_IDENTITY (ECS26n's manufacturer identifier and model type). */
  identity?: Partial<HubIdentity>;
  /** Other roles' cells a party's certificates sit in too (the DCC's, before handover), by EUI-64. */
  cells?: Readonly<Record<Eui64, readonly RemotePartyRole[]>>;
}

export type StoreSnapshot = Record<string, Array<[string, string]>>;

export class ConformanceHub {
  /** Alerts raised outside any command (a link key recorded, a join window closing). */
  readonly looseAlerts: SealedAlert[] = [];
  private readonly closers: Array<() => Promise<unknown>> = [];

  private constructor(
    readonly dir: string,
    readonly store: Store,
    readonly clock: ManualClock,
    readonly hub: GbcsHub,
    readonly linkStatistics: LinkStatisticsTable,
    /** The state modules `extras` opened (the GPF's, Sub GHz). */
    readonly extras: Partial<GbcsHubOptions>,
    private readonly domains: ReadonlyArray<{ name: string; personal?: boolean }>,
  ) {}

  static async open(options: HarnessOptions = {}): Promise<ConformanceHub> {
    const dir = await mkdtemp(join(tmpdir(), 'hub-conformance-'));
    const { secureElement } = await rtdsKeystore();
    const store = await openStore({ path: join(dir, 'db'), secureElement });
    const clock = new ManualClock(Date.UTC(2015, 0, 1));
    const linkStatistics = new LinkStatisticsTable();
    const extras = options.extras ? await options.extras(store, clock) : {};
    const closers: Array<() => Promise<unknown>> = [];
    const deviceLog = await DeviceLog.open(store, { clock });
    const faultyLogs = options.faults?.includes('eventLog') ? await openStore({ path: join(dir, 'logs'), secureElement }) : undefined;
    const logs = await openHubLogs(faultyLogs ?? store, clock);
    const joinWindows = options.han ? joinWindowsOver(options.han, deviceLog, logs, clock, closers) : undefined;
    const panId = Buffer.from(options.seed?.extendedPanId ?? '0000000000000000', 'hex');
    const hub = await openGbcsHub({
      store, secureElement, clock, identity: { ...RTDS_IDENTITY, ...options.identity }, linkStatistics, deviceLog, logs, extendedPanId: () => panId,
      ...(joinWindows ? { joinWindows } : {}),
      ...extras,
    });
    closers.push(() => deviceLog.close());
    for (const { credential, own } of await trustedCredentials()) {
      const cells = options.cells?.[credential.eui];
      if (own || (options.trust ?? (() => true))(credential)) await hub.credentials.install(credential, { own, ...(cells ? { cells } : {}) });
    }
    const harness = new ConformanceHub(dir, store, clock, hub, linkStatistics, extras, [...STATE_DOMAINS, ...(options.domains ?? [])]);
    harness.closers.push(...closers);
    await applySeed({ hub, linkStatistics, setTime: (ms) => clock.set(ms) }, options.seed ?? {});
    if (options.faults?.includes('deviceLog')) await deviceLog.close();
    if (faultyLogs) await faultyLogs.close();
    hub.start();
    hub.router.on('alert', (alert) => harness.looseAlerts.push(alert));
    return harness;
  }

  process(bytes: Uint8Array): Promise<Outcome> {
    return this.hub.router.process(bytes);
  }

  /** Every state domain's raw entries (decrypted), hex; the Security Log apart. */
  async snapshot(): Promise<StoreSnapshot> {
    const out: StoreSnapshot = {};
    for (const spec of this.domains) {
      const domain = await this.store.domain({ name: spec.name, codec: bytesCodec, ...(spec.personal ? { personal: true } : {}) });
      const entries: Array<[string, string]> = [];
      for await (const [key, value] of domain.entries()) entries.push([key, value.toString('hex')]);
      out[spec.name] = entries;
    }
    return out;
  }

  async securityLogCodes(): Promise<number[]> {
    return (await this.hub.chf.securityLog.newest()).map((entry) => entry.code);
  }

  async close(): Promise<void> {
    await this.hub.stop().catch(() => undefined);
    await this.extras.subGhz?.close().catch(() => undefined);
    for (const close of this.closers.splice(0).reverse()) await close().catch(() => undefined);
    await this.store.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** CCS01's join windows over real HAN admission, on the radio double (the simulated NCP cannot resume historic keys). */
function joinWindowsOver(han: Han, deviceLog: DeviceLog, logs: HubLogs, clock: ManualClock, closers: Array<() => Promise<unknown>>): JoinWindows {
  const radio = han === 'radio' ? new RadioDouble(clock) : new FailingRadio(clock);
  const admission = new HanAdmission({ radio, log: deviceLog, clock, security: logs.securityLog });
  admission.start();
  const windows = new JoinWindows(deviceLog, admission, clock);
  closers.push(async () => {
    windows.stop();
    await admission.stop();
  });
  return windows;
}

/** A radio whose NCP no longer answers permit-joining: the HAN fault behind CCS01's ERROR vector. */
class FailingRadio extends RadioDouble {
  override async permitJoining(): Promise<void> {
    throw new RadioError('NCP_NO_RESPONSE', 'the NCP did not answer permit joining', { where: 'radio' });
  }
}

export function vectorNamed(name: string): Vector {
  const found = loadVectors().find((vector) => vector.name === name);
  if (!found) throw new Error(`no RTDS vector ${name}`);
  return found;
}

/** The COMMAND vectors addressed to `recipient`, each with the RESPONSE of the same outcome. */
export function commandPairs(recipient: Eui64): Array<{ command: Vector; response: Vector | undefined }> {
  const all = loadVectors();
  return all
    .filter((vector) => vector.kind === 'COMMAND' && decodeMessage(vector.bytes, { allowUnknownMessageCode: true }).header.recipient === recipient)
    .map((command) => ({
      command,
      response: all.find((vector) => vector.kind === 'RESPONSE' && vector.useCase === command.useCase && vector.outcome === command.outcome),
    }));
}

/** Assert the hub answered and the answer is `expected`, byte for byte (hex, so a failure shows where). */
export function expectAnswer(outcome: Outcome, expected: Buffer): void {
  if (outcome.kind !== 'answered') {
    const why = outcome.kind === 'dropped' ? `${outcome.refusal.code}: ${outcome.refusal.message}` : outcome.kind;
    throw new Error(`expected a response, the hub ${outcome.kind === 'dropped' ? 'dropped the command' : 'relayed it'} (${why})`);
  }
  strictEqual(outcome.response.toString('hex'), expected.toString('hex'));
}

/** Run a COMMAND vector through a hub seeded with `seed` and compare its answer with the RESPONSE vector. */
export async function runCommandVector(command: Vector, response: Vector, options: HarnessOptions = {}): Promise<Outcome> {
  const harness = await ConformanceHub.open(options);
  try {
    const outcome = await harness.process(command.bytes);
    expectAnswer(outcome, response.bytes);
    return outcome;
  } finally {
    await harness.close();
  }
}

/**
 * The RTDS message with its hashed TC link keys replaced by the hashes of the keys the harness
 * seeded (`keys` by EUI-64), MACed again by the hub's authenticator. Every other byte is the
 * RTDS's: its hashes are placeholders that no key hashes to, so this is as close to byte for byte
 * as CS14 and CCS07 can be checked.
 */
export async function withSeededHashes(harness: ConformanceHub, vector: Vector, keys: Readonly<Record<string, string>>): Promise<Buffer> {
  const message = decodeMessage(vector.bytes);
  const hashOf = (eui: string, placeholder: Buffer) => (placeholder.length === 0 ? placeholder : hashTcLinkKey(Buffer.from(keys[eui] ?? '', 'hex')));
  const rehash = (backup: DeviceLogBackup): DeviceLogBackup => ({
    ...backup,
    devices: backup.devices.map((device) => ({ ...device, hashedTcLinkKey: hashOf(device.deviceId, device.hashedTcLinkKey) })),
  });
  let payload: Buffer;
  if (vector.useCase === 'CS14') {
    const alert = CS14.decode(message.payload);
    payload = CS14.encode({ ...alert, body: rehash(alert.body) });
  } else if (vector.useCase === 'CCS07') {
    const response = CCS07.decodeResponse(message.payload);
    const { deviceLog, historicDeviceLog } = response.results;
    const fix = (outcome: typeof deviceLog) => (outcome.value ? { ...outcome, value: rehash(outcome.value) } : outcome);
    payload = CCS07.encodeResponse({ ...response, results: { deviceLog: fix(deviceLog), historicDeviceLog: fix(historicDeviceLog) } });
  } else {
    throw new Error(`${vector.name} carries no hashed TC link keys`);
  }
  return harness.hub.authenticator.seal({ header: message.header, payload, signature: message.signature });
}

export interface CommandSpec {
  messageCode: number;
  payload: Buffer;
  counter: bigint;
  /** Default: the CHF. */
  recipient?: Eui64;
  /** Default: the Access Control Broker. */
  originator?: Eui64;
  /** The party the ACB sends for; default the RTDS supplier. `null` for none. */
  remoteParty?: Eui64 | null;
  /** Sign with the originator's Digital Signing key (the keystore holds the remote parties'). */
  sign?: boolean;
}

export const RTDS_ACB: Eui64 = '90B3D51F30000002';
export const RTDS_SUPPLIER: Eui64 = '90B3D51F30010000';
export const RTDS_NETWORK_OPERATOR: Eui64 = '90B3D51F30020000';

/** A critical command as the RTDS has them: originated and signed by the supplier itself, MACed by the ACB. */
export const BY_SUPPLIER = { originator: RTDS_SUPPLIER, remoteParty: null } as const;

/** A command MACed as the Access Control Broker would (the RTDS keystore holds its private keys). */
export async function buildCommand(harness: ConformanceHub, spec: CommandSpec): Promise<Buffer> {
  const remoteParty = spec.remoteParty === undefined ? RTDS_SUPPLIER : spec.remoteParty;
  const header = {
    cra: 'command' as const,
    originatorCounter: spec.counter,
    originator: spec.originator ?? RTDS_ACB,
    recipient: spec.recipient ?? RTDS_IDENTITY.chf,
    messageCode: spec.messageCode,
    ...(remoteParty ? { supplementary: { remotePartyId: remoteParty, remotePartyCounter: spec.counter } } : {}),
  };
  const signature = spec.sign ? await harness.hub.authenticator.sign({ header, payload: spec.payload }) : ('empty' as const);
  return harness.hub.authenticator.seal({ header, payload: spec.payload, signature });
}
