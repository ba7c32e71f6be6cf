import { createHash } from 'node:crypto';
import type { Eui64 } from '../../hal/radio.js';
import { SIZE, type Cra } from './constants.js';
import { GbcsError } from './errors.js';

/**
 * The GBCS key derivation: the single-step concatenation KDF of NIST SP 800-56A with SHA-256,
 * one round (counter 00000001), over the ECDH shared secret Z and an "other info" block.
 * The first 16 bytes of the digest are the AES-128 key.
 */
export type TransactionKind = Cra | 'encryption';

/** The byte that takes the CRA flag's place in the other info's transaction id. */
export const TRANSACTION_KIND: Readonly<Record<TransactionKind, number>> = {
  command: 0x01,
  response: 0x02,
  alert: 0x03,
  encryption: 0x04,
};

/** The algorithm id GBCS puts first: the DER body of OID 2.16.756.6.8.3.0 (AES-GCM-128 in DLMS's arc). */
export const KDF_ALGORITHM_ID = Buffer.from([0x60, 0x85, 0x74, 0x06, 0x08, 0x03, 0x00]);

const KDF_ROUND_ONE = Buffer.from([0x00, 0x00, 0x00, 0x01]);
const AES_128_KEY_BYTES = 16;

export interface KdfParties {
  originator: Eui64;
  kind: TransactionKind;
  counter: bigint;
  recipient: Eui64;
}

/**
 * algorithm id (7) | originator system title (8) | 0x09, the transaction id's length |
 * transaction kind (1) | counter (8) | recipient system title (8): 33 bytes.
 */
export function kdfOtherInfo(parties: KdfParties): Buffer {
  // Written in place rather than concatenated: this runs once for every MAC the hub checks or makes.
  const info = Buffer.allocUnsafe(OTHER_INFO_LENGTH);
  let at = KDF_ALGORITHM_ID.copy(info, 0);
  at = writeSystemTitle(info, at, parties.originator);
  at = info.writeUInt8(SIZE.transactionId, at);
  at = info.writeUInt8(TRANSACTION_KIND[parties.kind], at);
  at = info.writeBigUInt64BE(parties.counter, at);
  writeSystemTitle(info, at, parties.recipient);
  return info;
}

const OTHER_INFO_LENGTH = KDF_ALGORITHM_ID.length + SIZE.systemTitle + 2 + SIZE.counter + SIZE.systemTitle;

function writeSystemTitle(info: Buffer, at: number, eui64: Eui64): number {
  if (eui64.length !== SIZE.systemTitle * 2 || info.write(eui64, at, SIZE.systemTitle, 'hex') !== SIZE.systemTitle) {
    throw new GbcsError('BAD_VALUE', `${eui64} is not an EUI-64`, { where: 'KDF other info' });
  }
  return at + SIZE.systemTitle;
}

export function deriveKey(sharedSecret: Buffer, parties: KdfParties): Buffer {
  const digest = createHash('sha256').update(KDF_ROUND_ONE).update(sharedSecret).update(kdfOtherInfo(parties)).digest();
  return digest.subarray(0, AES_128_KEY_BYTES);
}
