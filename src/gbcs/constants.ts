/**
 * The fixed numbers of the GBCS message envelope: tags, field sizes and the meaning of the CRA
 * flag. They are established from the DCC's Reference Test Data Set (every vector follows them).
 */
export const TAG = {
  /** DLMS general-ciphering APDU: the MAC header. */
  generalCiphering: 0xdd,
  /** DLMS general-signing APDU: the grouping header. */
  generalSigning: 0xdf,
} as const;

export const SIZE = {
  /** CRA flag + 8-byte originator counter. */
  transactionId: 9,
  systemTitle: 8,
  /** DLMS date-time octet string. */
  dateTime: 12,
  messageCode: 2,
  counter: 8,
  /** ECDSA P-256 r||s. */
  signature: 64,
  /** AES-GCM tag as GBCS truncates it. */
  mac: 12,
  invocationCounter: 4,
} as const;

/** Security control byte: authentication only (0x10), security suite 1 (ECDH-ECDSA-AES128-GCM-SHA256). */
export const SECURITY_CONTROL_AUTHENTICATED = 0x11;

/**
 * Lengths the grouping header's other-information may take; each longer form adds a field.
 * Longer than `withOriginatorCounter` means the rest is a Key Agreement certificate.
 */
export const OTHER_INFORMATION_LENGTH = {
  messageCodeOnly: 2,
  withRemotePartyId: 10,
  withRemotePartyCounter: 18,
  withOriginatorCounter: 26,
} as const;

export type Cra = 'command' | 'response' | 'alert';

/** The first byte of the transaction id. */
export const CRA_FLAG: Readonly<Record<Cra, number>> = { command: 1, response: 2, alert: 3 };

export function craFromFlag(flag: number): Cra | undefined {
  return (Object.keys(CRA_FLAG) as Cra[]).find((cra) => CRA_FLAG[cra] === flag);
}
