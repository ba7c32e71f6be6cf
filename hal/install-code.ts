import { createCipheriv } from 'node:crypto';
import { crc16kermit } from 'crc';
import { HubError } from './errors.js';

/**
 * ZigBee install codes: 6, 8, 12 or 16 random bytes followed by their CRC-16/X-25, least
 * significant byte first. The pre-configured TC link key a device joins with is the AES-MMO hash
 * of the whole code, CRC included.
 */

export const INSTALL_CODE_LENGTHS = [6, 8, 12, 16] as const;
const CRC_LENGTH = 2;
const BLOCK = 16;

export type InstallCodeErrorCode = 'INSTALL_CODE_BAD_LENGTH' | 'INSTALL_CODE_BAD_CRC' | 'INSTALL_CODE_NOT_HEX';

export class InstallCodeError extends HubError {
  declare readonly code: InstallCodeErrorCode;

  constructor(code: InstallCodeErrorCode, message: string, options: { where?: string } = {}) {
    super(code, message, options);
  }
}

/** CRC-16/X-25: reflected polynomial 0x1021, initial value and final XOR 0xFFFF. */
export function installCodeCrc(bytes: Uint8Array): number {
  return (crc16kermit(Buffer.from(bytes), 0xffff) ^ 0xffff) & 0xffff;
}

/**
 * Accepts the code as bytes or as hex (spaces, dashes and colons ignored); returns its bytes,
 * CRC included, after checking length and CRC. The code itself never appears in an error.
 */
export function parseInstallCode(input: Uint8Array | string, where = 'install code'): Buffer {
  const bytes = typeof input === 'string' ? hexBytes(input, where) : Buffer.from(input);
  const codeLength = bytes.length - CRC_LENGTH;
  if (!(INSTALL_CODE_LENGTHS as readonly number[]).includes(codeLength)) {
    throw new InstallCodeError(
      'INSTALL_CODE_BAD_LENGTH',
      `is ${bytes.length} bytes; an install code is ${INSTALL_CODE_LENGTHS.join(', ')} bytes plus a 2-byte CRC`,
      { where },
    );
  }
  const expected = installCodeCrc(bytes.subarray(0, codeLength));
  if (bytes.readUInt16LE(codeLength) !== expected) {
    throw new InstallCodeError('INSTALL_CODE_BAD_CRC', 'CRC does not match (mistyped or damaged install code)', { where });
  }
  return bytes;
}

function hexBytes(text: string, where: string): Buffer {
  const compact = text.replace(/[\s:-]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(compact)) {
    throw new InstallCodeError('INSTALL_CODE_NOT_HEX', 'is not an even number of hex digits', { where });
  }
  return Buffer.from(compact, 'hex');
}

/** Appends the CRC to a bare 6/8/12/16-byte code (for tests, the simulator and provisioning tools). */
export function withInstallCodeCrc(code: Uint8Array): Buffer {
  if (!(INSTALL_CODE_LENGTHS as readonly number[]).includes(code.length)) {
    throw new InstallCodeError('INSTALL_CODE_BAD_LENGTH', `is ${code.length} bytes; expected ${INSTALL_CODE_LENGTHS.join(', ')}`);
  }
  const crc = Buffer.alloc(CRC_LENGTH);
  crc.writeUInt16LE(installCodeCrc(code));
  return Buffer.concat([Buffer.from(code), crc]);
}

function aesEncryptBlock(key: Buffer, block: Buffer): Buffer {
  const cipher = createCipheriv('aes-128-ecb', key, null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(block), cipher.final()]);
}

/**
 * The ZigBee AES-MMO hash (Matyas–Meyer–Oseas over AES-128): each 16-byte block M is mixed in as
 * H = E_H(M) xor M, starting from H = 0. Padding: 0x80, zeros, then the message length in bits
 * as 16 bits big-endian (the short form, for messages under 2^16 bits), to a whole block.
 */
export function aesMmoHash(message: Uint8Array): Buffer {
  const bitLength = message.length * 8;
  if (bitLength >= 0x10000) throw new RangeError('AES-MMO short-form padding covers messages under 8 KiB');
  const paddedLength = Math.ceil((message.length + 1 + 2) / BLOCK) * BLOCK;
  const padded = Buffer.alloc(paddedLength);
  padded.set(message);
  padded[message.length] = 0x80;
  padded.writeUInt16BE(bitLength, paddedLength - 2);
  let hash: Buffer = Buffer.alloc(BLOCK);
  for (let offset = 0; offset < paddedLength; offset += BLOCK) {
    const block = padded.subarray(offset, offset + BLOCK);
    const encrypted = aesEncryptBlock(hash, block);
    for (let i = 0; i < BLOCK; i++) encrypted[i] = (encrypted[i] as number) ^ (block[i] as number);
    hash = encrypted;
  }
  return hash;
}

/** The pre-configured TC link key a device joins with: AES-MMO of its install code, CRC included. */
export function linkKeyFromInstallCode(input: Uint8Array | string, where = 'install code'): Buffer {
  return aesMmoHash(parseInstallCode(input, where));
}
