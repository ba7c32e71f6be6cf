import type { Eui64 } from '../../hal/radio.js';
import type { Cra } from './constants.js';

/**
 * A GBCS message as it travels: an optional MAC header (General Ciphering) around a grouping
 * header (General Signing), the payload, the signature field and the MAC. The payload stays as
 * bytes here; use-case handlers decode it only after the message is authenticated.
 */
export interface GroupingHeader {
  cra: Cra;
  /** 64-bit originator counter (a response echoes the command's). */
  originatorCounter: bigint;
  originator: Eui64;
  recipient: Eui64;
  /** The 12-octet DLMS date-time, when the message carries one (see date-time.ts). */
  dateTime?: Buffer;
  messageCode: number;
  /** Present when the other-information field is longer than the Message Code. */
  supplementary?: SupplementaryRemoteParty;
}

export interface SupplementaryRemoteParty {
  remotePartyId: Eui64;
  remotePartyCounter?: bigint;
  originatorCounter?: bigint;
  /** DER of the supplementary remote party's Key Agreement certificate, when one travels. */
  keyAgreementCertificate?: Buffer;
}

/**
 * The General Ciphering fields GBCS leaves empty but that still count for the MAC. Kept so any
 * accepted message re-encodes byte for byte.
 */
export interface MacHeader {
  transactionId: Buffer;
  originatorSystemTitle: Buffer;
  recipientSystemTitle: Buffer;
  dateTime: Buffer;
  otherInformation: Buffer;
  securityControl: number;
  invocationCounter: number;
}

/**
 * The signature field after the payload: missing altogether (a pre-command), present with length
 * zero (not signed), or the 64-byte ECDSA r||s.
 */
export type SignatureField = 'absent' | 'empty' | Buffer;

export interface GbcsMessage {
  /** Absent for a bare grouping header (a pre-command, or a signed response relayed as is). */
  macHeader?: MacHeader;
  header: GroupingHeader;
  payload: Buffer;
  signature: SignatureField;
  /** The 12-byte MAC; present exactly when `macHeader` is. */
  mac?: Buffer;
}

export function isSigned(message: Pick<GbcsMessage, 'signature'>): message is { signature: Buffer } {
  return Buffer.isBuffer(message.signature);
}
