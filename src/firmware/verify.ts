import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Credential, CredentialSource } from '../security/certificates.js';
import { FirmwareError } from './errors.js';
import type { UpgradeImage } from './upgrade-image.js';

/**
 * The supplier's signature on an Upgrade Image, checked against the certificates the hub trusts.
 * GBCS has the supplier authorise firmware, so only Digital Signing certificates of a trusted
 * supplier count. The signature names no signer, so each such certificate is tried; a signature that
 * verifies only with a certificate of another role (`others`, e.g. every certificate held) is
 * reported as signed by that party, not as forged.
 */
export const IMAGE_SIGNER_ROLE = 'supplier';

export interface VerifyOptions {
  /** Further certificates the hub knows but does not accept as image signers, to name an untrusted signer. */
  others?: Iterable<Credential>;
}

/** Returns the supplier certificate the signature verifies with; throws a FirmwareError saying why not. */
export function verifyUpgradeImage(image: UpgradeImage, credentials: CredentialSource, options: VerifyOptions = {}): Credential {
  const signature = image.signature;
  if (!signature) throw new FirmwareError('SIGNATURE_MISSING', 'the image carries no supplier signature', { field: 'upgrade image signature', offset: image.bytes.length });
  const signers = credentials.forRole(IMAGE_SIGNER_ROLE, 'digitalSigning');
  const signer = signers.find((credential) => verifies(image.manufacturerImage, signature.value, credential));
  if (signer) return signer;
  const at = { field: 'upgrade image signature', offset: signature.offset + 2 };
  for (const other of options.others ?? []) {
    if (other.usage !== 'digitalSigning' || signers.some((held) => held.der.equals(other.der))) continue;
    if (verifies(image.manufacturerImage, signature.value, other)) {
      throw new FirmwareError('UNTRUSTED_SIGNER', `signed by ${other.eui} (${other.role ?? 'a Device'}), which may not authorise firmware: only a trusted supplier may`, at);
    }
  }
  if (signers.length === 0) throw new FirmwareError('NO_TRUSTED_SUPPLIER', 'the hub trusts no supplier Digital Signing certificate to check the signature with', at);
  throw new FirmwareError('SIGNATURE_INVALID', `the signature over the Manufacturer Image verifies with no trusted supplier's key (${signers.map((held) => held.eui).join(', ')})`, at);
}

const keys = new WeakMap<Buffer, KeyObject>();

function publicKey(credential: Credential): KeyObject {
  let key = keys.get(credential.publicKeyDer);
  if (!key) {
    key = createPublicKey({ key: credential.publicKeyDer, format: 'der', type: 'spki' });
    keys.set(credential.publicKeyDer, key);
  }
  return key;
}

function verifies(data: Buffer, signature: Buffer, credential: Credential): boolean {
  return verify('sha256', data, { key: publicKey(credential), dsaEncoding: 'ieee-p1363' }, signature);
}
