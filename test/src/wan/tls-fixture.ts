import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

/**
 * Certificates made at test time (never committed): a CA, a broker certificate for 127.0.0.1 that
 * the CA signed, a client certificate from the same CA, and a client certificate from a second CA
 * the broker does not trust. Keys come from node:crypto (fast, native); node-forge builds and signs
 * the certificates.
 */
export interface TlsFiles {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A client certificate and key from a CA the broker does not know. */
  strangerCert: string;
  strangerKey: string;
  /** A CA that did not sign the broker's certificate: trusting only it must fail. */
  strangerCa: string;
}

interface Issued {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  keyPem: string;
}

function rsaKeys(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

function issue(commonName: string, issuer: Issued | undefined, extensions: object[]): Issued {
  const keys = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01' + randomBytes(8).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  cert.setExtensions(extensions);
  cert.sign(issuer ? issuer.key : keys.privateKey, forge.md.sha256.create());
  return { cert, key: keys.privateKey, keyPem: keys.keyPem };
}

const caExtensions = [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }];
const leaf = (usage: 'serverAuth' | 'clientAuth', altNames: object[] = []) => [
  { name: 'basicConstraints', cA: false },
  { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
  { name: 'extKeyUsage', [usage]: true },
  ...(altNames.length ? [{ name: 'subjectAltName', altNames }] : []),
];

export async function makeTlsFiles(): Promise<TlsFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-wan-tls-'));
  const ca = issue('hub test CA', undefined, caExtensions);
  const server = issue('127.0.0.1', ca, leaf('serverAuth', [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }]));
  const client = issue('hub-client', ca, leaf('clientAuth'));
  const strangerCa = issue('stranger CA', undefined, caExtensions);
  const stranger = issue('hub-client', strangerCa, leaf('clientAuth'));
  const files: TlsFiles = {
    dir,
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    strangerCert: join(dir, 'stranger.pem'),
    strangerKey: join(dir, 'stranger.key'),
    strangerCa: join(dir, 'stranger-ca.pem'),
  };
  const pem = (issued: Issued) => forge.pki.certificateToPem(issued.cert);
  await writeFile(files.ca, pem(ca));
  await writeFile(files.serverCert, pem(server));
  await writeFile(files.serverKey, server.keyPem, { mode: 0o600 });
  await writeFile(files.clientCert, pem(client));
  await writeFile(files.clientKey, client.keyPem, { mode: 0o600 });
  await writeFile(files.strangerCert, pem(stranger));
  await writeFile(files.strangerKey, stranger.keyPem, { mode: 0o600 });
  await writeFile(files.strangerCa, pem(strangerCa));
  return files;
}
