import { createCipheriv, createDecipheriv } from 'node:crypto';
import { eui64ToBytes } from '../../../../hal/eui64.js';
import type { Eui64 } from '../../../../hal/radio.js';
import type { GroupingHeader } from '../../message.js';
import { deriveKey, type KdfParties } from '../../kdf.js';
import { PayloadError, guardDecode } from '../errors.js';
import { PayloadReader } from '../reader.js';
import { decodeZclBody, encodeZclBody, type CipheredBody, type GbzComponent, type ZclBody } from './codec.js';

/**
 * GBZ payload encryption (GBCS "encrypted" components, used for consumption and prepayment reads):
 * AES-128-GCM with a 12-byte tag, the security control byte as the only authenticated data, and
 * an IV of the originator's system title followed by the invocation counter. The key comes from
 * the GBCS KDF with transaction kind "encryption"; this module only uses it.
 */
export const SECURITY_CONTROL_ENCRYPTED = 0x31;
const TAG_LENGTH = 12;

function iv(originator: Eui64, invocationCounter: number): Buffer {
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(invocationCounter);
  return Buffer.concat([eui64ToBytes(originator), counter]);
}

/** The plaintext ZCL payload of an encrypted component, read by command. */
export function decryptGbzComponent(component: GbzComponent, key: Buffer, originator: Eui64): ZclBody {
  const body = component.body;
  if (body.kind !== 'ciphered') throw new PayloadError('BAD_VALUE', 'component', 'is not encrypted');
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-128-gcm', key, iv(originator, body.invocationCounter), { authTagLength: TAG_LENGTH });
    decipher.setAAD(Buffer.of(body.securityControl));
    decipher.setAuthTag(body.mac);
    plaintext = Buffer.concat([decipher.update(body.ciphertext), decipher.final()]);
  } catch (cause) {
    throw new PayloadError('MAC_INVALID', 'ciphered information', `does not decrypt with this key (${cause instanceof Error ? cause.message : 'GCM failure'})`);
  }
  return guardDecode('decrypted ZCL payload', () => {
    const reader = new PayloadReader(plaintext);
    const decoded = decodeZclBody(reader, component.clusterId, component.zcl, 'decrypted ZCL payload');
    reader.finish('decrypted ZCL payload');
    return decoded;
  });
}

/** The ciphered block for a plaintext ZCL payload; GCM with a fresh (key, IV) pair is deterministic. */
export function encryptGbzBody(
  body: ZclBody,
  component: Pick<GbzComponent, 'clusterId' | 'zcl'>,
  key: Buffer,
  originator: Eui64,
  invocationCounter = 0,
): CipheredBody {
  const plaintext = encodeZclBody(body, component.clusterId, component.zcl);
  const cipher = createCipheriv('aes-128-gcm', key, iv(originator, invocationCounter), { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.of(SECURITY_CONTROL_ENCRYPTED));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { kind: 'ciphered', securityControl: SECURITY_CONTROL_ENCRYPTED, invocationCounter, ciphertext, mac: cipher.getAuthTag() };
}

/**
 * Who the GBZ encryption key is agreed between, from the message that carries it: the originating
 * Device, transaction kind "encryption", the supplementary originator counter when there is one
 * (else the message's), and the supplementary remote party when there is one (else the recipient).
 * The shared secret is ECDH between the Device's Key Agreement key and that party's.
 */
export function gbzEncryptionParties(header: GroupingHeader): KdfParties {
  return {
    originator: header.originator,
    kind: 'encryption',
    counter: header.supplementary?.originatorCounter ?? header.originatorCounter,
    recipient: header.supplementary?.remotePartyId ?? header.recipient,
  };
}

export function gbzEncryptionKey(sharedSecret: Buffer, header: GroupingHeader): Buffer {
  return deriveKey(sharedSecret, gbzEncryptionParties(header));
}
