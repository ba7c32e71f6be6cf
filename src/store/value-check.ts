import crc32 from 'crc/calculators/crc32';
import { StoreError } from './errors.js';
import { repairCommand } from './level-errors.js';

/**
 * LevelDB checks its block checksums on reads only when asked (`verify_checksums`), and
 * classic-level never asks, so a byte changed in a table file reads back as a different value.
 * Every value the store writes therefore carries its own checksum, over its domain, its stored key
 * and its bytes (so a changed key is caught too):
 *   format (1 byte, 0xC3) | CRC-32 (4 bytes, big-endian) | the value's bytes (sealed, for a personal domain)
 * A value whose checksum does not match is never returned: the read fails with STORE_CORRUPT.
 */
const FORMAT = 0xc3;
const HEADER = 5;
/** In `meta`: every value is in the checked format (stores from before it are converted once, at open). */
export const CHECKED_VALUES = 'checkedValues';

function checksum(domain: string, storedKey: string, value: Uint8Array): number {
  const prefix = Buffer.from(`${domain}\0${storedKey}\0`, 'utf8');
  return crc32(value, crc32(prefix)) >>> 0;
}

export function withChecksum(domain: string, storedKey: string, value: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(HEADER + value.length);
  out[0] = FORMAT;
  out.writeUInt32BE(checksum(domain, storedKey, value), 1);
  out.set(value, HEADER);
  return out;
}

/** Whether `raw` is a checked value whose checksum matches. */
export function checksumMatches(domain: string, storedKey: string, raw: Uint8Array): boolean {
  if (raw.length < HEADER || raw[0] !== FORMAT) return false;
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return bytes.readUInt32BE(1) === checksum(domain, storedKey, bytes.subarray(HEADER));
}

/**
 * The value's bytes, or STORE_CORRUPT when they are not what was written; STORE_TAMPERED for a
 * sealed (personal) domain, whose values someone may have changed or moved on purpose.
 */
export function verified(domain: string, storedKey: string, raw: Uint8Array, path: string, sealed = false): Buffer {
  if (!checksumMatches(domain, storedKey, raw)) {
    const where = `${domain}/${storedKey}`;
    const message = `the value of ${where} does not match its checksum (changed on disk${sealed ? ' or moved from another key' : ''}); stop the hub, copy the directory aside, then run: ${repairCommand(path)} --drop-unreadable`;
    throw new StoreError(sealed ? 'STORE_TAMPERED' : 'STORE_CORRUPT', message, { where });
  }
  return Buffer.from(raw.buffer, raw.byteOffset + HEADER, raw.byteLength - HEADER);
}

/** A root-level LevelDB key (`!domain!key`) as its domain and stored key. */
function splitRootKey(rootKey: string): { domain: string; storedKey: string } | undefined {
  const match = /^!([^!]+)!([\s\S]*)$/.exec(rootKey);
  return match ? { domain: match[1]!, storedKey: match[2]! } : undefined;
}

/**
 * Give every value of a store written before checksums its checksum, in one synced write with the
 * marker, so a crash leaves the store wholly in one format or the other. Run at open, before any read.
 */
export async function convertToChecked(db: object): Promise<void> {
  // The root database (level's Level), seen without its sublevels' encodings.
  const root = db as unknown as {
    iterator(options: { keyEncoding: 'utf8'; valueEncoding: 'view' }): AsyncIterable<[string, Uint8Array]>;
    batch(ops: Array<{ type: 'put'; key: string; value: Uint8Array; keyEncoding: 'utf8'; valueEncoding: 'view' }>, options: { sync: boolean }): Promise<void>;
  };
  const ops: Array<{ type: 'put'; key: string; value: Uint8Array; keyEncoding: 'utf8'; valueEncoding: 'view' }> = [];
  for await (const [rootKey, value] of root.iterator({ keyEncoding: 'utf8', valueEncoding: 'view' })) {
    const parts = splitRootKey(rootKey);
    if (!parts) continue;
    ops.push({ type: 'put', key: rootKey, value: withChecksum(parts.domain, parts.storedKey, value), keyEncoding: 'utf8', valueEncoding: 'view' });
  }
  const marker = withChecksum('meta', CHECKED_VALUES, Buffer.from('true'));
  ops.push({ type: 'put', key: `!meta!${CHECKED_VALUES}`, value: marker, keyEncoding: 'utf8', valueEncoding: 'view' });
  await root.batch(ops, { sync: true });
}
