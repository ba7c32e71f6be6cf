import { createECDH, createPrivateKey, type KeyObject } from 'node:crypto';
import { HubError } from '../../hal/errors.js';
import { isEui64, notAnEui64 } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import type { KeyUsage } from './secure-element.js';

/**
 * The key file of the file-backed SecureElement (JSON, mode 0600):
 *
 *   { "format": "gb-hub-keys", "version": 1,
 *     "dataKey": "<64 hex digits>",
 *     "owners": { "<EUI-64>": { "digitalSigning": "<PKCS#8 PEM>", "keyAgreement": "<PKCS#8 PEM>" } } }
 *
 * Private keys are P-256 in unencrypted PKCS#8: the file's permissions are the protection, which is
 * why the SecureElement refuses a file anyone but its owner can read.
 */
export const KEY_FILE_FORMAT = 'gb-hub-keys';
export const KEY_FILE_VERSION = 1;
export const KEY_USAGES: readonly KeyUsage[] = ['digitalSigning', 'keyAgreement'];

export type FileSecureElementErrorCode =
  | 'SE_KEYFILE_TOO_OPEN'
  | 'SE_KEYFILE_INVALID'
  | 'SE_KEYFILE_UNREADABLE'
  | 'SE_KEYFILE_WRITE_FAILED'
  | 'SE_BAD_OWNER'
  | 'SE_BAD_PEER_KEY'
  | 'SE_KEY_USAGE';

export class FileSecureElementError extends HubError {
  declare readonly code: FileSecureElementErrorCode;

  constructor(code: FileSecureElementErrorCode, message: string, options: { where?: string; cause?: unknown } = {}) {
    super(code, message, options);
  }
}

export type OwnerKeys = Record<KeyUsage, KeyObject>;

export interface KeyBundle {
  dataKey: Buffer;
  owners: Map<Eui64, OwnerKeys>;
}

interface KeyFileJson {
  format: string;
  version: number;
  dataKey: string;
  owners: Record<string, Record<string, string>>;
}

export function serializeKeyBundle(bundle: KeyBundle): string {
  const owners: KeyFileJson['owners'] = {};
  for (const [owner, keys] of [...bundle.owners].sort(([a], [b]) => a.localeCompare(b))) {
    owners[owner] = Object.fromEntries(
      KEY_USAGES.map((usage) => [usage, keys[usage].export({ format: 'pem', type: 'pkcs8' }) as string]),
    );
  }
  const json: KeyFileJson = { format: KEY_FILE_FORMAT, version: KEY_FILE_VERSION, dataKey: bundle.dataKey.toString('hex'), owners };
  return JSON.stringify(json, null, 2) + '\n';
}

function p256PrivateKey(pem: unknown, where: string): KeyObject {
  if (typeof pem !== 'string') throw new FileSecureElementError('SE_KEYFILE_INVALID', 'missing private key', { where });
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The cause may quote the PEM; keep only that it failed.
    throw new FileSecureElementError('SE_KEYFILE_INVALID', 'the private key is not a readable PKCS#8 PEM', { where });
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new FileSecureElementError('SE_KEYFILE_INVALID', 'the private key is not a P-256 key', { where });
  }
  if (!holdsTogether(key)) throw new FileSecureElementError('SE_KEYFILE_INVALID', 'the private key does not match the public key stored with it (a damaged key file: restore it from backup)', { where });
  return key;
}

/**
 * A PKCS#8 EC key carries its public point beside the scalar, and OpenSSL takes both as they are:
 * damage inside the scalar still parses, and would sign with a key whose certificate no longer
 * matches. Recomputing the point from the scalar catches it at start instead.
 */
function holdsTogether(key: KeyObject): boolean {
  const jwk = key.export({ format: 'jwk' });
  if (!jwk.d || !jwk.x || !jwk.y) return false;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(Buffer.from(jwk.d, 'base64url'));
    return ecdh.getPublicKey().equals(Buffer.concat([Buffer.of(4), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]));
  } catch {
    return false;
  }
}

/** Parse and check a key file; every error names the file and the JSON path, never key material. */
export function parseKeyBundle(text: string, path: string): KeyBundle {
  let json: Partial<KeyFileJson>;
  try {
    json = JSON.parse(text) as Partial<KeyFileJson>;
  } catch {
    throw new FileSecureElementError('SE_KEYFILE_INVALID', 'not valid JSON (a damaged key file: restore it from backup)', { where: path });
  }
  if (json?.format !== KEY_FILE_FORMAT || json.version !== KEY_FILE_VERSION) {
    throw new FileSecureElementError('SE_KEYFILE_INVALID', `not a ${KEY_FILE_FORMAT} version ${KEY_FILE_VERSION} key file`, { where: path });
  }
  if (typeof json.dataKey !== 'string' || !/^[0-9a-f]{64}$/.test(json.dataKey)) {
    throw new FileSecureElementError('SE_KEYFILE_INVALID', 'dataKey must be 64 lower-case hex digits', { where: `${path}: dataKey` });
  }
  if (typeof json.owners !== 'object' || json.owners === null) {
    throw new FileSecureElementError('SE_KEYFILE_INVALID', 'owners must be an object', { where: `${path}: owners` });
  }
  const owners = new Map<Eui64, OwnerKeys>();
  for (const [owner, keys] of Object.entries(json.owners)) {
    if (!isEui64(owner)) {
      throw new FileSecureElementError('SE_KEYFILE_INVALID', notAnEui64(owner), { where: `${path}: owners` });
    }
    const entry = (keys ?? {}) as Record<string, unknown>;
    owners.set(owner, {
      digitalSigning: p256PrivateKey(entry['digitalSigning'], `${path}: owners.${owner}.digitalSigning`),
      keyAgreement: p256PrivateKey(entry['keyAgreement'], `${path}: owners.${owner}.keyAgreement`),
    });
  }
  return { dataKey: Buffer.from(json.dataKey, 'hex'), owners };
}
