import { createCipheriv, timingSafeEqual } from 'node:crypto';
import { eui64ToBytes } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import { encodeGroupingApdu, macHeaderFields, receivedMacData } from './codec.js';
import { SECURITY_CONTROL_AUTHENTICATED, SIZE } from './constants.js';
import type { GbcsMessage, MacHeader } from './message.js';

/**
 * The GBCS MAC: AES-128-GCM with nothing to encrypt, so the 12-byte tag authenticates only the
 * additional data. Established against every MAC in the Reference Test Data Set:
 * - IV: the grouping header's originator system title (8) then the invocation counter (4, big-endian;
 *   always zero in GBCS);
 * - AAD: the security control byte, then the five General Ciphering octet strings as encoded (all
 *   empty in GBCS, so five 0x00 bytes), then the whole General Signing APDU from its 0xDF tag to the
 *   end of the signature field.
 */
export function gbcsMacHeader(): MacHeader {
  const empty = () => Buffer.alloc(0);
  return {
    transactionId: empty(),
    originatorSystemTitle: empty(),
    recipientSystemTitle: empty(),
    dateTime: empty(),
    otherInformation: empty(),
    securityControl: SECURITY_CONTROL_AUTHENTICATED,
    invocationCounter: 0,
  };
}

export function macIv(originator: Eui64, invocationCounter: number): Buffer {
  const iv = Buffer.alloc(SIZE.systemTitle + SIZE.invocationCounter);
  eui64ToBytes(originator).copy(iv, 0, 0, SIZE.systemTitle);
  iv.writeUInt32BE(invocationCounter, SIZE.systemTitle);
  return iv;
}

export type MacInput = Pick<GbcsMessage, 'header' | 'payload' | 'signature'> & { macHeader?: MacHeader };

export function macAuthenticatedData(message: MacInput): Buffer {
  const received = receivedMacData(message);
  if (received) return received;
  const macHeader = message.macHeader ?? gbcsMacHeader();
  return Buffer.concat([Buffer.of(macHeader.securityControl), macHeaderFields(macHeader), encodeGroupingApdu(message)]);
}

export function computeMac(key: Buffer, message: MacInput): Buffer {
  const macHeader = message.macHeader ?? gbcsMacHeader();
  const cipher = createCipheriv('aes-128-gcm', key, macIv(message.header.originator, macHeader.invocationCounter), {
    authTagLength: SIZE.mac,
  });
  cipher.setAAD(macAuthenticatedData(message));
  cipher.final();
  return cipher.getAuthTag();
}

export function macMatches(key: Buffer, message: MacInput & { mac?: Buffer }): boolean {
  if (!message.mac || message.mac.length !== SIZE.mac) return false;
  return timingSafeEqual(computeMac(key, message), message.mac);
}
