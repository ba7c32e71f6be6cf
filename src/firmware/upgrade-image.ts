import { createHash } from 'node:crypto';
import { FirmwareError } from './errors.js';
import { decodeOtaHeader, encodeOtaHeader, headerLengthFor, fieldControlFor, type OtaHeader, type OtaHeaderFields } from './ota-header.js';

/**
 * A GBCS Upgrade Image: the OTA header, the Manufacturer Image, and, for an image that carries one,
 * a trailer of the force-replace octet, the length 0x40 and the authorising supplier's ECDSA P-256
 * signature (r‖s) over the Manufacturer Image alone. The header is not signed: what it says is
 * checked against the target Device instead (target.ts).
 */
export const SIGNATURE_LENGTH = 64;
/** Force-replace octet + length octet + signature. */
export const SIGNATURE_TRAILER_LENGTH = 2 + SIGNATURE_LENGTH;

export interface UpgradeImageSignature {
  /** The force-replace octet: 1 tells the hub to replace an image it holds with the same hash. */
  forceReplace: boolean;
  /** r‖s, 64 octets. */
  value: Buffer;
  /** Where the trailer starts (its force-replace octet). */
  offset: number;
}

export interface UpgradeImage {
  header: OtaHeader;
  /** A view of the parsed bytes: copy it to keep it past the input buffer's reuse. */
  manufacturerImage: Buffer;
  signature?: UpgradeImageSignature;
  /** The whole image as parsed (a view of the input). */
  bytes: Buffer;
}

/**
 * Whether a trailer must be there. `auto` takes one when the last 66 octets read as one (a
 * force-replace octet of 0 or 1, then 0x40): an unsigned image whose Manufacturer Image happens to
 * end that way reads as signed and then fails verification, never the reverse, so `auto` is for
 * looking at images; the hub demands `required` for every target GBCS has sign its images.
 */
export type SignaturePresence = 'auto' | 'required' | 'absent';

export interface ParseOptions {
  signature?: SignaturePresence;
}

export function parseUpgradeImage(bytes: Buffer, options: ParseOptions = {}): UpgradeImage {
  const presence = options.signature ?? 'auto';
  const header = decodeOtaHeader(bytes);
  const total = header.totalImageSize;
  const trailerAt = total - SIGNATURE_TRAILER_LENGTH;
  const minimum = header.headerLength + 1 + (presence === 'required' ? SIGNATURE_TRAILER_LENGTH : 0);
  if (total < minimum) {
    throw new FirmwareError('BAD_TOTAL_SIZE', `total image size ${total} leaves no room for a Manufacturer Image${presence === 'required' ? ' and its signature' : ''} after the ${header.headerLength}-octet header`, { field: 'total image size', offset: 52 });
  }
  if (bytes.length < total) {
    const inTrailer = presence === 'required' && bytes.length >= trailerAt;
    const field = inTrailer ? 'upgrade image signature' : 'Manufacturer Image';
    throw new FirmwareError('TRUNCATED', `the image ends at ${bytes.length} octets, inside the ${field}, of the ${total} its header announces`, { field, offset: bytes.length });
  }
  if (bytes.length > total) {
    throw new FirmwareError('BAD_TOTAL_SIZE', `the image is ${bytes.length} octets but its header says ${total}`, { field: 'total image size', offset: 52 });
  }
  const signature = presence === 'absent' ? undefined : readTrailer(bytes, trailerAt, header.headerLength, presence === 'required');
  const manufacturerImage = bytes.subarray(header.headerLength, signature ? trailerAt : total);
  return { header, manufacturerImage, ...(signature ? { signature } : {}), bytes: bytes.subarray(0, total) };
}

function readTrailer(bytes: Buffer, at: number, headerLength: number, required: boolean): UpgradeImageSignature | undefined {
  const room = at > headerLength;
  const forceOctet = bytes[at];
  const lengthOctet = bytes[at + 1];
  if (room && lengthOctet === SIGNATURE_LENGTH && (forceOctet === 0 || forceOctet === 1)) {
    return { forceReplace: forceOctet === 1, value: bytes.subarray(at + 2, at + 2 + SIGNATURE_LENGTH), offset: at };
  }
  if (!required) return undefined;
  if (lengthOctet !== SIGNATURE_LENGTH) {
    const seen = room ? `its signature length octet is 0x${(lengthOctet ?? 0).toString(16).padStart(2, '0')}, not 0x40` : 'it is too short to hold one';
    throw new FirmwareError('SIGNATURE_MISSING', `the image ends in no signature trailer (force-replace octet, 0x40, 64 octets): ${seen}`, { field: 'signature length', offset: at + 1 });
  }
  throw new FirmwareError('BAD_FORCE_REPLACE', `force-replace octet 0x${(forceOctet ?? 0).toString(16).padStart(2, '0')} is neither 0 nor 1`, { field: 'force-replace flag', offset: at });
}

/** SHA-256 of the Manufacturer Image: the name a CS06 Activate Firmware gives the image, and the key it is stored under. */
export function manufacturerImageHash(image: Pick<UpgradeImage, 'manufacturerImage'>): Buffer {
  return createHash('sha256').update(image.manufacturerImage).digest();
}

export interface UpgradeImageFields extends OtaHeaderFields {
  manufacturerImage: Buffer;
}

/** The image's octets; with `signature`, the trailer after the Manufacturer Image. */
export function buildUpgradeImage(fields: UpgradeImageFields, signature?: { forceReplace: boolean; value: Buffer }): Buffer {
  if (fields.manufacturerImage.length === 0) throw new FirmwareError('EMPTY_MANUFACTURER_IMAGE', 'an Upgrade Image needs a Manufacturer Image', { field: 'Manufacturer Image' });
  if (signature && signature.value.length !== SIGNATURE_LENGTH) {
    throw new FirmwareError('BAD_SIGNATURE_LENGTH', `a P-256 signature (r‖s) is ${SIGNATURE_LENGTH} octets, not ${signature.value.length}`, { field: 'upgrade image signature' });
  }
  const headerLength = headerLengthFor(fieldControlFor(fields));
  const total = headerLength + fields.manufacturerImage.length + (signature ? SIGNATURE_TRAILER_LENGTH : 0);
  const parts = [encodeOtaHeader(fields, total), fields.manufacturerImage];
  if (signature) parts.push(Buffer.from([signature.forceReplace ? 1 : 0, SIGNATURE_LENGTH]), signature.value);
  return Buffer.concat(parts, total);
}

/** Something that signs as the authorising supplier: ECDSA P-256 over SHA-256, r‖s. */
export type ImageSigner = (manufacturerImage: Buffer) => Buffer | Promise<Buffer>;

export async function signUpgradeImage(fields: UpgradeImageFields, sign: ImageSigner, forceReplace = false): Promise<Buffer> {
  return buildUpgradeImage(fields, { forceReplace, value: await sign(fields.manufacturerImage) });
}
