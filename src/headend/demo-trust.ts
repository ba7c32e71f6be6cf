import { join } from 'node:path';
import type { Logger } from '../../hal/log.js';
import type { Eui64 } from '../../hal/radio.js';
import { writeFileAtomic } from '../security/atomic-file.js';
import type { SecurityCredentials } from '../security/credentials.js';
import type { KeyUsage, SecureElement } from '../security/secure-element.js';
import { demoHeadEndDir, ensureDemoHeadEnd } from './demo-keys.js';

/**
 * The demo hub (no `security.keystore`) trusts the demo head end, so `hub headend` has someone to
 * talk to: it installs the head end's Access Control Broker and supplier certificates and leaves
 * its own Devices' public keys beside them (`hub.json`), which the head end needs to MAC commands
 * and check responses. A hub with a keystore never calls this.
 */
export const HUB_KEYS_FILE = 'hub.json';

export interface HubPublicKeys {
  chf: Eui64;
  gpf: Eui64;
  /** SPKI DER, hex, per Device and key usage. */
  keys: Record<Eui64, Record<KeyUsage, string>>;
}

export interface DemoTrustOptions {
  storePath: string;
  credentials: SecurityCredentials;
  secureElement: SecureElement;
  chf: Eui64;
  gpf: Eui64;
  logger: Logger;
}

export async function trustDemoHeadEnd(options: DemoTrustOptions): Promise<void> {
  const dir = demoHeadEndDir(options.storePath);
  const headEnd = await ensureDemoHeadEnd(dir);
  for (const party of [headEnd.accessControlBroker, headEnd.supplier]) {
    for (const certificate of Object.values(party.certificates)) await options.credentials.install(certificate);
  }
  const keys: HubPublicKeys['keys'] = {};
  for (const device of [options.chf, options.gpf]) {
    keys[device] = {
      digitalSigning: (await options.secureElement.publicKey(device, 'digitalSigning')).toString('hex'),
      keyAgreement: (await options.secureElement.publicKey(device, 'keyAgreement')).toString('hex'),
    };
  }
  const hub: HubPublicKeys = { chf: options.chf, gpf: options.gpf, keys };
  await writeFileAtomic(join(dir, HUB_KEYS_FILE), JSON.stringify(hub, null, 2) + '\n', 0o644);
  options.logger.info({ headEnd: dir }, 'demo: no security.keystore, so the demo head end there is trusted (talk to this hub with `hub headend`)');
}
