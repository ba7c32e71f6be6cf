import { eui64FromBytes, eui64ToBytes } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import { FirmwareError } from './errors.js';

/**
 * One piece of an Upgrade Image on its way to the hub over the WAN (the `firmware` topic). Each
 * chunk names its transfer completely, so chunks may arrive in any order, twice, or after a broker
 * drop or a hub restart, and still land in the right place:
 *
 * ```
 * 0..3    "GBFW"      frame identifier
 * 4       1           frame version
 * 5..12   EUI-64      the Device the image is for (the CHF's own for the hub's image), big-endian
 * 13..44  SHA-256     of the whole Upgrade Image: the transfer's name, checked once all is in
 * 45..48  uint32 BE   the Upgrade Image's total size
 * 49..52  uint32 BE   this chunk's offset in the image
 * 53..    the chunk's octets (1 to MAX_CHUNK_OCTETS)
 * ```
 */
export const CHUNK_MAGIC = Buffer.from('GBFW', 'latin1');
export const CHUNK_FRAME_VERSION = 1;
export const CHUNK_HEADER_OCTETS = 53;
export const MAX_CHUNK_OCTETS = 256 * 1024;
/** The largest image a transfer may announce; the store's quota usually binds first. */
export const MAX_IMAGE_OCTETS = 256 * 1024 * 1024;

export interface ImageChunk {
  target: Eui64;
  /** SHA-256 of the whole Upgrade Image, lower-case hex. */
  imageHash: string;
  totalSize: number;
  offset: number;
  data: Buffer;
}

const refuse = (message: string, field: string, offset: number): never => {
  throw new FirmwareError('BAD_CHUNK', message, { field, offset });
};

export function decodeChunk(frame: Buffer): ImageChunk {
  if (frame.length < CHUNK_HEADER_OCTETS + 1) refuse(`a chunk frame is at least ${CHUNK_HEADER_OCTETS + 1} octets; this is ${frame.length}`, 'chunk frame', frame.length);
  if (!frame.subarray(0, 4).equals(CHUNK_MAGIC)) refuse('the frame does not start with "GBFW"', 'frame identifier', 0);
  if (frame[4] !== CHUNK_FRAME_VERSION) refuse(`frame version ${frame[4]} is not ${CHUNK_FRAME_VERSION}`, 'frame version', 4);
  const totalSize = frame.readUInt32BE(45);
  const offset = frame.readUInt32BE(49);
  const data = frame.subarray(CHUNK_HEADER_OCTETS);
  if (totalSize === 0 || totalSize > MAX_IMAGE_OCTETS) refuse(`total size ${totalSize} is not 1 to ${MAX_IMAGE_OCTETS}`, 'total size', 45);
  if (data.length > MAX_CHUNK_OCTETS) refuse(`a chunk carries at most ${MAX_CHUNK_OCTETS} octets, not ${data.length}`, 'chunk data', CHUNK_HEADER_OCTETS);
  if (offset + data.length > totalSize) refuse(`octets ${offset}–${offset + data.length} run past the image's ${totalSize}`, 'chunk offset', 49);
  return { target: eui64FromBytes(frame.subarray(5, 13)), imageHash: frame.subarray(13, 45).toString('hex'), totalSize, offset, data: Buffer.from(data) };
}

export function encodeChunk(chunk: ImageChunk): Buffer {
  const header = Buffer.alloc(CHUNK_HEADER_OCTETS);
  CHUNK_MAGIC.copy(header, 0);
  header[4] = CHUNK_FRAME_VERSION;
  eui64ToBytes(chunk.target).copy(header, 5);
  const hash = Buffer.from(chunk.imageHash, 'hex');
  if (hash.length !== 32) throw new FirmwareError('BAD_CHUNK', 'the image hash is 32 octets of SHA-256', { field: 'image hash' });
  hash.copy(header, 13);
  header.writeUInt32BE(chunk.totalSize, 45);
  header.writeUInt32BE(chunk.offset, 49);
  return Buffer.concat([header, chunk.data]);
}

/** An image cut into frames of `chunkOctets` each, in order: what a head end publishes. */
export function chunkImage(target: Eui64, image: Buffer, imageHash: string, chunkOctets: number): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < image.length; offset += chunkOctets) {
    frames.push(encodeChunk({ target, imageHash, totalSize: image.length, offset, data: image.subarray(offset, offset + chunkOctets) }));
  }
  return frames;
}
