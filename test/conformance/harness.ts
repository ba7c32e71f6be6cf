import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ManualClock } from '../../hal/clock.js';
import type { Eui64 } from '../../hal/radio.js';
import { LinkStatisticsTable } from '../../src/chf/use-cases/index.js';
import { decodeMessage } from '../../src/gbcs/index.js';
import { openGbcsHub, type GbcsHub, type GbcsHubOptions } from '../../src/hub/gbcs-hub.js';
import type { Outcome } from '../../src/hub/router.js';
import { applySeed, type HubSeed } from '../../src/hub/seed.js';
import type { HubIdentity } from '../../src/hub/use-case.js';
import { parseCertificate, type Credential } from '../../src/security/certificates.js';
import { TRUSTED_ROLES } from '../../src/security/credentials.js';
import { loadRtdsKeystore, type RtdsKeystore } from '../../src/security/rtds-secure-element.js';
import { bytesCodec, openStore, type Store } from '../../src/store/store.js';
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
  { name: 'chfEventLog' },
];
export const SECURITY_LOG_DOMAIN = 'chfSecurityLog';

let keystore: Promise<RtdsKeystore> | undefined;
/** Loaded once per test file: parsing a few hundred certificates is the slow part. */
export function rtdsKeystore(): Promise<RtdsKeystore> {
  keystore ??= loadRtdsKeystore(RTDS_KEYSTORE);
  return keystore;
}

/** The remote parties' certificates the hub trusts, and its own (the CHF's and GPF's). */
async function trustedCredentials(): Promise<Array<{ credential: Credential; own: boolean }>> {
  const { trustStore } = await rtdsKeystore();
  const own = new Set<Eui64>([RTDS_IDENTITY.chf, RTDS_IDENTITY.gpf]);
  return trustStore
    .all()
    .filter((credential) => own.has(credential.eui) || (credential.role !== undefined && TRUSTED_ROLES.includes(credential.role)))
    .map((credential) => ({ credential: parseCertificate(credential.der), own: own.has(credential.eui) }));
}

export interface HarnessOptions {
  seed?: HubSeed;
  /** State modules a test adds (the GPF's, Sub GHz), opened on the harness's store and clock. */
  extras?: (store: Store, clock: ManualClock) => Promise<Partial<GbcsHubOptions>>;
  /** Extra store domains to include in snapshots. */
  domains?: ReadonlyArray<{ name: string; personal?: boolean }>;
}

export type StoreSnapshot = Record<string, Array<[string, string]>>;

export class ConformanceHub {
  private constructor(
    readonly dir: string,
    readonly store: Store,
    readonly clock: ManualClock,
    readonly hub: GbcsHub,
    readonly linkStatistics: LinkStatisticsTable,
    private readonly domains: ReadonlyArray<{ name: string; personal?: boolean }>,
  ) {}

  static async open(options: HarnessOptions = {}): Promise<ConformanceHub> {
    const dir = await mkdtemp(join(tmpdir(), 'hub-conformance-'));
    const { secureElement } = await rtdsKeystore();
    const store = await openStore({ path: join(dir, 'db'), secureElement });
    const clock = new ManualClock(Date.UTC(2015, 0, 1));
    const linkStatistics = new LinkStatisticsTable();
    const extras = options.extras ? await options.extras(store, clock) : {};
    const hub = await openGbcsHub({ store, secureElement, clock, identity: RTDS_IDENTITY, linkStatistics, ...extras });
    for (const { credential, own } of await trustedCredentials()) await hub.credentials.install(credential, { own });
    const harness = new ConformanceHub(dir, store, clock, hub, linkStatistics, [...STATE_DOMAINS, ...(options.domains ?? [])]);
    await applySeed({ hub, linkStatistics, setTime: (ms) => clock.set(ms) }, options.seed ?? {});
    hub.start();
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
    await this.store.close().catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
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
  expect(outcome.response.toString('hex')).toBe(expected.toString('hex'));
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
