import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HubError } from '../../hal/errors.js';
import type { Eui64 } from '../../hal/radio.js';
import { syncDirectory } from '../security/atomic-file.js';
import { parseCertificate, type Credential } from '../security/certificates.js';
import type { KeyUsage } from '../security/secure-element.js';
import { demoCertificate } from './demo-certificate.js';

/**
 * The demo head end's identity: an Access Control Broker and a supplier, each with a Digital
 * Signing and a Key Agreement key pair and certificate. Made once, in `headend/` inside the store
 * directory (0700, the file 0600), by whichever comes first: `hub start` with no
 * `security.keystore` (which then trusts these certificates) or `hub headend`. Only for the
 * demo: a configured keystore turns it off (demo-trust.ts).
 */
export class HeadEndError extends HubError {}

export const DEMO_HEADEND_DIR = 'headend';
const PARTIES_FILE = 'parties.json';

/** The demo parties' EUI-64s and GBCS RemotePartyRole codes (the subject OU). */
export const DEMO_PARTIES = {
  accessControlBroker: { eui: '00DB00000000AC00', ou: '04' },
  supplier: { eui: '00DB00000000E500', ou: '02' },
} as const satisfies Record<string, { eui: Eui64; ou: string }>;
export type DemoPartyName = keyof typeof DEMO_PARTIES;

export interface DemoParty {
  eui: Eui64;
  keys: Record<KeyUsage, KeyObject>;
  certificates: Record<KeyUsage, Credential>;
}

export type DemoHeadEnd = Record<DemoPartyName, DemoParty> & { dir: string };

interface StoredParty {
  eui: Eui64;
  keys: Record<KeyUsage, string>;
  certificates: Record<KeyUsage, string>;
}

const USAGES: readonly KeyUsage[] = ['digitalSigning', 'keyAgreement'];

export function demoHeadEndDir(storePath: string): string {
  return join(resolve(storePath), DEMO_HEADEND_DIR);
}

/** The demo head end's parties, made now if the directory holds none yet. */
export async function ensureDemoHeadEnd(dir: string): Promise<DemoHeadEnd> {
  return (await readDemoHeadEnd(dir)) ?? (await createDemoHeadEnd(dir));
}

export async function readDemoHeadEnd(dir: string): Promise<DemoHeadEnd | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, PARTIES_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HeadEndError('HEADEND_UNREADABLE', 'cannot read the demo head end\'s keys', { where: dir, cause: error });
  }
  try {
    const stored = JSON.parse(text) as Record<DemoPartyName, StoredParty>;
    return { dir, accessControlBroker: loadParty(stored.accessControlBroker), supplier: loadParty(stored.supplier) };
  } catch (cause) {
    throw new HeadEndError('HEADEND_UNREADABLE', 'the demo head end\'s keys file is damaged (delete the folder to make new ones)', { where: join(dir, PARTIES_FILE), cause });
  }
}

function loadParty(stored: StoredParty): DemoParty {
  const map = <T>(make: (usage: KeyUsage) => T) => Object.fromEntries(USAGES.map((usage) => [usage, make(usage)])) as Record<KeyUsage, T>;
  return { eui: stored.eui, keys: map((usage) => createPrivateKey(stored.keys[usage])), certificates: map((usage) => parseCertificate(stored.certificates[usage], stored.eui)) };
}

async function createDemoHeadEnd(dir: string): Promise<DemoHeadEnd> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  let serial = 1;
  const party = (eui: Eui64, ou: string): StoredParty => {
    const stored: StoredParty = { eui, keys: { digitalSigning: '', keyAgreement: '' }, certificates: { digitalSigning: '', keyAgreement: '' } };
    for (const usage of USAGES) {
      const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const der = demoCertificate({ eui, ou, usage, publicKeyDer: createPublicKey(key).export({ type: 'spki', format: 'der' }), issuerKey, serial: serial++, now: new Date() });
      stored.keys[usage] = key.export({ type: 'pkcs8', format: 'pem' }) as string;
      stored.certificates[usage] = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
    }
    return stored;
  };
  const stored = {
    accessControlBroker: party(DEMO_PARTIES.accessControlBroker.eui, DEMO_PARTIES.accessControlBroker.ou),
    supplier: party(DEMO_PARTIES.supplier.eui, DEMO_PARTIES.supplier.ou),
  };
  // Linked into place, never renamed over: when the hub and a head end make keys at once, the first stays and both use it.
  const temp = join(dir, `${PARTIES_FILE}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const file = await open(temp, 'wx', 0o600);
  try {
    await file.writeFile(JSON.stringify(stored, null, 2) + '\n');
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(temp, join(dir, PARTIES_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp);
  }
  await syncDirectory(dir);
  const made = await readDemoHeadEnd(dir);
  if (!made) throw new HeadEndError('HEADEND_UNREADABLE', 'the demo head end\'s keys vanished as they were made', { where: dir });
  return made;
}
