import { X509Certificate } from 'node:crypto';
import { HubError } from '../../hal/errors.js';
import { eui64FromBytes } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import type { KeyUsage } from './secure-element.js';

/**
 * GB smart-metering certificates as the hub needs them: whose key (the EUI-64), what for (Digital
 * Signing or Key Agreement) and, for remote parties, which role (the subject's OU). Remote party
 * certificates carry the EUI in the subject's x500UniqueIdentifier; Device certificates carry it in
 * the subjectAltName's hardwareModuleName.
 */
export type RemotePartyRole =
  | 'root'
  | 'recovery'
  | 'supplier'
  | 'networkOperator'
  | 'accessControlBroker'
  | 'transitionalCoS'
  | 'wanProvider'
  | 'issuingAuthority'
  | 'otherUser';

/**
 * GBCS's RemotePartyRole numbering, the one table of role codes: the INTEGER of the Security
 * Credentials use cases (CS02a, CS02b) and, as two digits, an Organisation certificate's subject OU
 * (the RTDS certificates bear it out: the transitional CoS that originates the RTDS CS02b
 * supplierByTransCoS has OU 05, the WAN provider of wanProviderByWanProvider OU 06, the root CA OU 00).
 */
export const REMOTE_PARTY_ROLE_CODES: ReadonlyArray<readonly [code: number, role: RemotePartyRole]> = [
  [0, 'root'],
  [1, 'recovery'],
  [2, 'supplier'],
  [3, 'networkOperator'],
  [4, 'accessControlBroker'],
  [5, 'transitionalCoS'],
  [6, 'wanProvider'],
  [7, 'issuingAuthority'],
];

/** An other user anchors no cell, so has no RemotePartyRole code; its certificates carry OU 08. */
const OTHER_USER_OU = '08';

const ou = (code: number): string => code.toString().padStart(2, '0');

/** The subject OU of an Organisation certificate names its role. */
export const ROLE_BY_OU: Readonly<Record<string, RemotePartyRole>> = Object.fromEntries([
  ...REMOTE_PARTY_ROLE_CODES.map(([code, role]) => [ou(code), role] as const),
  [OTHER_USER_OU, 'otherUser'],
]);

export interface Credential {
  eui: Eui64;
  usage: KeyUsage;
  /** Absent for Device certificates. */
  role?: RemotePartyRole;
  subject: string;
  issuer: string;
  serialNumber: string;
  validFrom: Date;
  validTo: Date;
  /** SPKI DER of the certified public key. */
  publicKeyDer: Buffer;
  /** The certificate itself, DER. */
  der: Buffer;
}

export class CertificateError extends HubError {}

const OID = {
  organizationalUnit: '55040b',
  uniqueIdentifier: '55042d',
  keyUsage: '551d0f',
  subjectAltName: '551d11',
} as const;

/** Key usage bits (first content byte of the BIT STRING, most significant bit = bit 0). */
const DIGITAL_SIGNATURE_BIT = 0x80;
const KEY_AGREEMENT_BIT = 0x08;

export function parseCertificate(pemOrDer: string | Buffer, where = 'certificate'): Credential {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(pemOrDer);
  } catch (cause) {
    throw new CertificateError('BAD_CERTIFICATE', 'not an X.509 certificate', { where, cause });
  }
  const fields = readFields(x509.raw, where);
  if (!fields.eui) throw new CertificateError('BAD_CERTIFICATE', 'carries no EUI-64 (x500UniqueIdentifier or hardwareModuleName)', { where });
  if (!fields.usage) throw new CertificateError('BAD_CERTIFICATE', 'key usage is neither digital signature nor key agreement', { where });
  const role = fields.ou === undefined ? undefined : ROLE_BY_OU[fields.ou];
  if (fields.ou !== undefined && role === undefined) {
    throw new CertificateError('BAD_CERTIFICATE', `OU "${fields.ou}" is not a remote party role`, { where });
  }
  return {
    eui: fields.eui,
    usage: fields.usage,
    ...(role ? { role } : {}),
    subject: x509.subject ?? '',
    issuer: x509.issuer,
    serialNumber: x509.serialNumber,
    validFrom: new Date(x509.validFrom),
    validTo: new Date(x509.validTo),
    publicKeyDer: x509.publicKey.export({ type: 'spki', format: 'der' }),
    der: x509.raw,
  };
}

interface Fields {
  eui?: Eui64;
  ou?: string;
  usage?: KeyUsage;
}

function readFields(der: Buffer, where: string): Fields {
  const fields: Fields = {};
  const [certificate] = tlvs(der, where);
  const tbs = tlvs(certificate!.content, where)[0]!;
  const parts = tlvs(tbs.content, where);
  // version [0], serial, signature algorithm, issuer, validity, subject, key, ..., extensions [3]
  const offset = parts[0]?.tag === 0xa0 ? 1 : 0;
  const subject = parts[offset + 4];
  for (const rdn of subject ? tlvs(subject.content, where) : []) {
    for (const attribute of tlvs(rdn.content, where)) {
      const [type, value] = tlvs(attribute.content, where);
      const oid = type?.content.toString('hex');
      if (oid === OID.organizationalUnit && value) fields.ou = value.content.toString('latin1');
      if (oid === OID.uniqueIdentifier && value?.content.length === 9) fields.eui = eui64FromBytes(value.content.subarray(1));
    }
  }
  const extensions = parts.find((part) => part.tag === 0xa3);
  for (const extension of extensions ? tlvs(tlvs(extensions.content, where)[0]!.content, where) : []) {
    const items = tlvs(extension.content, where);
    const oid = items[0]?.content.toString('hex');
    const value = items[items.length - 1]!.content;
    if (oid === OID.keyUsage) fields.usage = keyUsage(tlvs(value, where)[0]!.content);
    if (oid === OID.subjectAltName) fields.eui ??= hardwareSerial(value, where);
  }
  return fields;
}

function keyUsage(bits: Buffer): KeyUsage | undefined {
  const first = bits[1] ?? 0;
  if (first & DIGITAL_SIGNATURE_BIT) return 'digitalSigning';
  if (first & KEY_AGREEMENT_BIT) return 'keyAgreement';
  return undefined;
}

/** The hwSerialNum of a hardwareModuleName otherName: the innermost 8-byte OCTET STRING. */
function hardwareSerial(der: Buffer, where: string): Eui64 | undefined {
  for (const node of tlvs(der, where)) {
    if (node.tag === 0x04 && node.content.length === 8) return eui64FromBytes(node.content);
    if (node.tag & 0x20) {
      const found = hardwareSerial(node.content, where);
      if (found) return found;
    }
  }
  return undefined;
}

interface Tlv {
  tag: number;
  content: Buffer;
}

/** The DER elements laid side by side in `bytes` (enough of DER for certificates). */
function tlvs(bytes: Buffer, where: string): Tlv[] {
  const out: Tlv[] = [];
  let at = 0;
  while (at < bytes.length) {
    const tag = bytes[at]!;
    let length = bytes[at + 1];
    let start = at + 2;
    if (length !== undefined && length & 0x80) {
      const size = length & 0x7f;
      length = 0;
      for (let i = 0; i < size; i++) length = length * 256 + (bytes[start + i] ?? 0);
      start += size;
    }
    if (length === undefined || start + length > bytes.length) {
      throw new CertificateError('BAD_CERTIFICATE', `DER element at ${at} runs past the end`, { where });
    }
    out.push({ tag, content: bytes.subarray(start, start + length) });
    at = start + length;
  }
  return out;
}

/**
 * The certificates the hub trusts, by role and by EUI. In memory: the Security Credentials store
 * (persistence, CS02 updates) builds on this interface.
 */
export interface CredentialSource {
  forEui(eui: Eui64, usage: KeyUsage): Credential | undefined;
  forRole(role: RemotePartyRole, usage: KeyUsage): Credential[];
}

export class TrustStore implements CredentialSource {
  private readonly credentials: Credential[] = [];

  add(credential: Credential): void {
    const index = this.credentials.findIndex((held) => held.eui === credential.eui && held.usage === credential.usage);
    if (index >= 0) this.credentials.splice(index, 1);
    this.credentials.push(credential);
  }

  forEui(eui: Eui64, usage: KeyUsage): Credential | undefined {
    return this.credentials.find((held) => held.eui === eui && held.usage === usage);
  }

  forRole(role: RemotePartyRole, usage: KeyUsage): Credential[] {
    return this.credentials.filter((held) => held.role === role && held.usage === usage);
  }

  all(): readonly Credential[] {
    return this.credentials;
  }
}
