import { createHash } from 'node:crypto';
import type { Credential, CredentialSource } from '../security/certificates.js';
import { FirmwareError } from './errors.js';
import { manufacturerImageHash, parseUpgradeImage, type SignaturePresence } from './upgrade-image.js';
import { verifyUpgradeImage } from './verify.js';
import { hex } from './ota-header.js';

/**
 * What `hub firmware inspect` shows of an Upgrade Image: its header, the hashes a head end and a
 * CS06 use, and its signature with who made it (when given certificates to check it against).
 */
export interface Trust {
  credentials: CredentialSource;
  /** Every certificate held, so a signer in another role is named. */
  others: readonly Credential[];
  /** Where the certificates came from, for the reader. */
  source: string;
}

export type SignatureStatus = 'verified' | 'invalid' | 'untrusted signer' | 'no trusted supplier' | 'not checked' | 'none';

export interface ImageInspection {
  file: { bytes: number; sha256: string };
  header: Record<string, string | number>;
  manufacturerImage: { offset: number; bytes: number; sha256: string };
  signature: { status: SignatureStatus; offset?: number; forceReplace?: boolean; r?: string; s?: string; signer?: { eui: string; role: string }; problem?: string; checkedAgainst?: string };
}

const hexField = (value: number, digits: number): string => `0x${hex(value, digits)}`;

/** The header string as text where it is text, else hex. */
function headerText(bytes: Buffer): string {
  const text = bytes.toString('latin1').replace(/[\0 ]+$/, '');
  return /^[\x20-\x7e]*$/.test(text) ? JSON.stringify(text) : bytes.toString('hex');
}

export function inspectUpgradeImage(bytes: Buffer, trust?: Trust, presence: SignaturePresence = 'auto'): { inspection: ImageInspection; refusal?: FirmwareError } {
  const image = parseUpgradeImage(bytes, { signature: presence });
  const { header } = image;
  const inspection: ImageInspection = {
    file: { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
    header: {
      headerVersion: hexField(header.headerVersion, 4),
      headerLength: header.headerLength,
      fieldControl: hexField(header.fieldControl, 4),
      manufacturerCode: hexField(header.manufacturerCode, 4),
      imageType: hexField(header.imageType, 4),
      fileVersion: hexField(header.fileVersion, 8),
      stackVersion: hexField(header.stackVersion, 4),
      headerString: headerText(header.headerString),
      totalImageSize: header.totalImageSize,
      ...(header.securityCredentialVersion === undefined ? {} : { securityCredentialVersion: header.securityCredentialVersion }),
      ...(header.destination === undefined ? {} : { destination: header.destination }),
      ...(header.hardwareVersions ? { hardwareVersions: `${hexField(header.hardwareVersions.min, 4)}–${hexField(header.hardwareVersions.max, 4)}` } : {}),
    },
    manufacturerImage: { offset: header.headerLength, bytes: image.manufacturerImage.length, sha256: manufacturerImageHash(image).toString('hex') },
    signature: { status: 'none' },
  };
  const signature = image.signature;
  if (!signature) return { inspection };
  inspection.signature = { status: 'not checked', offset: signature.offset, forceReplace: signature.forceReplace, r: signature.value.subarray(0, 32).toString('hex'), s: signature.value.subarray(32).toString('hex') };
  if (!trust) return { inspection };
  inspection.signature.checkedAgainst = trust.source;
  try {
    const signer = verifyUpgradeImage(image, trust.credentials, { others: trust.others });
    inspection.signature = { ...inspection.signature, status: 'verified', signer: { eui: signer.eui, role: signer.role ?? 'Device' } };
    return { inspection };
  } catch (error) {
    if (!(error instanceof FirmwareError)) throw error;
    const status: SignatureStatus = error.code === 'UNTRUSTED_SIGNER' ? 'untrusted signer' : error.code === 'NO_TRUSTED_SUPPLIER' ? 'no trusted supplier' : 'invalid';
    inspection.signature = { ...inspection.signature, status, problem: error.message };
    return { inspection, refusal: error };
  }
}

export function formatImageInspection(inspection: ImageInspection): string {
  const { file, header, manufacturerImage, signature } = inspection;
  const lines = [
    `Upgrade Image, ${file.bytes} octets, SHA-256 ${file.sha256}`,
    'OTA header',
    ...Object.entries(header).map(([name, value]) => `  ${name.padEnd(26)} ${value}`),
    `Manufacturer Image at ${manufacturerImage.offset}, ${manufacturerImage.bytes} octets`,
    `  SHA-256 (what CS06 names)  ${manufacturerImage.sha256}`,
  ];
  if (signature.status === 'none') lines.push('Signature: none');
  else {
    lines.push(`Signature at ${signature.offset}: ${signature.status}${signature.signer ? ` by ${signature.signer.eui} (${signature.signer.role})` : ''}`);
    if (signature.problem) lines.push(`  ${signature.problem}`);
    if (signature.status === 'not checked') lines.push('  (give --keystore DIR or --store DIR to check it against trusted suppliers)');
    if (signature.checkedAgainst) lines.push(`  checked against ${signature.checkedAgainst}`);
    lines.push(`  force-replace              ${signature.forceReplace ? 'yes' : 'no'}`, `  r                          ${signature.r}`, `  s                          ${signature.s}`);
  }
  return `${lines.join('\n')}\n`;
}
