import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from '../../hal/clock.js';
import type { Eui64 } from '../../hal/radio.js';
import type { Credential, CredentialSource } from '../security/certificates.js';
import { bytesCodec, jsonCodec, type Batch, type Domain, type Store } from '../store/index.js';
import { decodeChunk, type ImageChunk } from './chunk-frame.js';
import { FirmwareError, type FirmwareErrorCode } from './errors.js';
import type { FirmwareImages, HeldImage } from './image-store.js';
import { decodeOtaHeader } from './ota-header.js';
import { checkTarget, type ImageTarget } from './target.js';
import { addRange, coveredOctets, isRanges, type Ranges } from './transfer-ranges.js';

/**
 * Upgrade Images arriving over the WAN in chunks (chunk-frame.ts). Every chunk is written durably
 * with the transfer's progress in one batch, so a transfer survives broker drops and hub restarts
 * and resumes where it was; the head end sees the progress in telemetry and sends what is missing.
 * An image is reserved its full size against the image quota when its first chunk arrives. The
 * header is checked against the target Device as soon as it is in, the whole image once complete;
 * an image that fails is discarded (its chunks deleted) and `transferEnded` says why, which the
 * CHF reports as a CCS08.
 */
export type TransferOutcome = 'transferSucceeded' | 'imageDiscarded' | 'hardwareVersionMismatch' | 'transferFailed';

export interface TransferEnded {
  at: number;
  target: Eui64;
  /** The header's file version, 4 octets big-endian (zeros when the header never arrived). */
  firmwareVersion: Buffer;
  outcome: TransferOutcome;
  cause: FirmwareErrorCode;
  imageHash: string;
}

export interface ImageReceiverEvents {
  transferEnded: [event: TransferEnded];
  imageReceived: [event: { target: Eui64; image: HeldImage }];
}

export interface TransferProgress {
  target: Eui64;
  imageHash: string;
  totalSize: number;
  receivedOctets: number;
  /** The octet ranges in, [start, end): what is missing is what the head end sends again. */
  ranges: Ranges;
  startedAt: number;
  updatedAt: number;
}

interface TransferRecord extends TransferProgress {
  fileVersion?: number;
}

function isTransferRecord(value: unknown): value is TransferRecord {
  const v = value as TransferRecord | null;
  return typeof v === 'object' && v !== null && typeof v.target === 'string' && /^[0-9a-f]{64}$/.test(v.imageHash) && Number.isSafeInteger(v.totalSize) && isRanges(v.ranges) && Number.isFinite(v.startedAt);
}

export const FIRMWARE_TRANSFERS_DOMAIN = { name: 'firmwareTransfers', codec: jsonCodec(isTransferRecord) } as const;
export const FIRMWARE_CHUNKS_DOMAIN = { name: 'firmwareChunks', codec: bytesCodec } as const;
/** Transfers discarded for good (their image can never fit its target): late chunks of them are dropped. */
export const FIRMWARE_DISCARDED_DOMAIN = { name: 'firmwareDiscarded', codec: jsonCodec<{ at: number; cause: string }>() } as const;

/** What the hub knows of a Device that may receive an image, or undefined for one it does not serve. */
export type TargetLookup = (eui: Eui64) => (ImageTarget & { requireSignature?: boolean }) | undefined;

export interface ImageReceiverOptions {
  store: Store;
  images: FirmwareImages;
  clock: Clock;
  credentials: CredentialSource;
  /** Every certificate held, so an image signed in another role is refused as such. */
  others?: () => Iterable<Credential>;
  targetOf: TargetLookup;
}

export type ChunkResult = 'stored' | 'complete' | 'discarded' | 'ignored';

const transferKey = (chunk: Pick<ImageChunk, 'imageHash' | 'target'>): string => `${chunk.imageHash}/${chunk.target}`;
const chunkKey = (transfer: string, offset: number): string => `${transfer}/${String(offset).padStart(10, '0')}`;
/** A refusal the same image would always meet again: remember it, drop its late chunks. */
const TRANSIENT: ReadonlySet<FirmwareErrorCode> = new Set(['QUOTA_REACHED']);

export class ImageReceiver extends EventEmitter<ImageReceiverEvents> {
  private readonly transfers = new Map<string, TransferRecord>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly options: ImageReceiverOptions,
    private readonly records: Domain<TransferRecord>,
    private readonly chunks: Domain<Buffer>,
    private readonly discarded: Domain<{ at: number; cause: string }>,
  ) {
    super();
  }

  static async open(options: ImageReceiverOptions): Promise<ImageReceiver> {
    const { store } = options;
    const receiver = new ImageReceiver(options, await store.domain(FIRMWARE_TRANSFERS_DOMAIN), await store.domain(FIRMWARE_CHUNKS_DOMAIN), await store.domain(FIRMWARE_DISCARDED_DOMAIN));
    for await (const [key, record] of receiver.records.entries()) receiver.transfers.set(key, record);
    return receiver;
  }

  /** Finish transfers that were complete when the hub stopped (a restart between the last chunk and the image being held). */
  async resume(): Promise<void> {
    for (const [key, record] of [...this.transfers]) {
      if (coveredOctets(record.ranges) === record.totalSize) await this.serialised(() => this.complete(key, record));
    }
  }

  /** Transfers under way, for telemetry and `hub firmware status`. */
  progress(): TransferProgress[] {
    return [...this.transfers.values()].map(({ fileVersion: _version, ...progress }) => ({ ...progress, ranges: progress.ranges.map(([start, end]): [number, number] => [start, end]) }));
  }

  /** Octets reserved by transfers under way. */
  get reservedOctets(): number {
    return [...this.transfers.values()].reduce((sum, record) => sum + record.totalSize, 0);
  }

  /** One chunk frame from the WAN. Throws a FirmwareError (BAD_CHUNK) for a frame it cannot read, with nothing stored. */
  async receive(frame: Buffer): Promise<ChunkResult> {
    const chunk = decodeChunk(frame);
    return this.serialised(() => this.accept(chunk));
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async accept(chunk: ImageChunk): Promise<ChunkResult> {
    const key = transferKey(chunk);
    if (await this.discarded.has(key)) return 'ignored';
    let record = this.transfers.get(key);
    if (record && record.totalSize !== chunk.totalSize) {
      throw new FirmwareError('BAD_CHUNK', `the transfer's image is ${record.totalSize} octets; this chunk says ${chunk.totalSize}`, { field: 'total size', offset: 45 });
    }
    const now = this.options.clock.now();
    const fresh = record === undefined;
    record ??= { target: chunk.target, imageHash: chunk.imageHash, totalSize: chunk.totalSize, receivedOctets: 0, ranges: [], startedAt: now, updatedAt: now };
    try {
      if (fresh) this.reserve(chunk.totalSize);
      if (chunk.offset === 0) this.checkHeader(chunk, record);
    } catch (error) {
      if (!(error instanceof FirmwareError)) throw error;
      await this.discard(key, record, error);
      return 'discarded';
    }
    const next: TransferRecord = { ...record, ranges: addRange(record.ranges, chunk.offset, chunk.offset + chunk.data.length), updatedAt: now };
    next.receivedOctets = coveredOctets(next.ranges);
    await this.options.store.batch().put(this.chunks, chunkKey(key, chunk.offset), chunk.data).put(this.records, key, next).write();
    this.transfers.set(key, next);
    if (next.receivedOctets < next.totalSize) return 'stored';
    return (await this.complete(key, next)) ? 'complete' : 'discarded';
  }

  private reserve(octets: number): void {
    const { images } = this.options;
    const used = images.usedBytes + this.reservedOctets;
    if (used + octets > images.quotaBytes) {
      throw new FirmwareError('QUOTA_REACHED', `a ${octets}-octet image does not fit: ${used} of the ${images.quotaBytes} octets for images are held or reserved`, { field: 'total size', offset: 45 });
    }
  }

  /** The header, as soon as it is in: is it this transfer's, and for this Device? Notes its file version for CCS08. */
  private checkHeader(chunk: ImageChunk, record: TransferRecord): void {
    let header;
    try {
      header = decodeOtaHeader(chunk.data);
    } catch (error) {
      // A first chunk shorter than the header: the whole image is checked once it is in.
      if (error instanceof FirmwareError && error.code === 'TRUNCATED') return;
      throw error;
    }
    record.fileVersion = header.fileVersion;
    if (header.totalImageSize !== chunk.totalSize) {
      throw new FirmwareError('BAD_TOTAL_SIZE', `the header says ${header.totalImageSize} octets; the transfer carries ${chunk.totalSize}`, { field: 'total image size', offset: 52 });
    }
    checkTarget(header, this.target(chunk.target));
  }

  private target(eui: Eui64): ImageTarget & { requireSignature?: boolean } {
    const target = this.options.targetOf(eui);
    if (!target) throw new FirmwareError('UNKNOWN_TARGET', `the hub serves no Device ${eui} that takes images`, { field: 'target' });
    return { ...target, eui };
  }

  /** All octets are in: check the whole image and hold it, or discard it. */
  private async complete(key: string, record: TransferRecord): Promise<boolean> {
    const image = Buffer.alloc(record.totalSize);
    // Each chunk's offset is the last ten digits of its key; overlaps carry the same octets (the hash says so).
    for await (const [chunk, data] of this.chunks.entries({ gt: `${key}/`, lt: `${key}/~` })) data.copy(image, Number(chunk.slice(-10)));
    try {
      if (createHash('sha256').update(image).digest('hex') !== record.imageHash) {
        throw new FirmwareError('IMAGE_HASH_MISMATCH', "the octets received do not hash to the transfer's SHA-256", { field: 'image hash' });
      }
      const target = this.target(record.target);
      const { entry } = await this.options.images.add(image, {
        credentials: this.options.credentials,
        ...(this.options.others ? { others: this.options.others() } : {}),
        ...(target.requireSignature === undefined ? {} : { requireSignature: target.requireSignature }),
        target,
      });
      await this.forget(key);
      this.emit('imageReceived', { target: record.target, image: entry });
      return true;
    } catch (error) {
      if (!(error instanceof FirmwareError)) throw error;
      await this.discard(key, record, error);
      return false;
    }
  }

  private async discard(key: string, record: TransferRecord, error: FirmwareError): Promise<void> {
    const at = this.options.clock.now();
    await this.forget(key, (batch) => {
      if (!TRANSIENT.has(error.code)) batch.put(this.discarded, key, { at, cause: error.code });
    });
    const version = Buffer.alloc(4);
    version.writeUInt32BE(record.fileVersion ?? 0);
    this.emit('transferEnded', { at, target: record.target, firmwareVersion: version, outcome: outcomeOf(error.code), cause: error.code, imageHash: record.imageHash });
  }

  private async forget(key: string, also?: (batch: Batch) => void): Promise<void> {
    const batch = this.options.store.batch().del(this.records, key);
    for await (const chunk of this.chunks.keys({ gt: `${key}/`, lt: `${key}/~` })) batch.del(this.chunks, chunk);
    also?.(batch);
    await batch.write();
    this.transfers.delete(key);
  }
}

/** CCS08's causes: a header that is not for the Device's hardware, an image that fails its checks, or a transfer that could not finish. */
function outcomeOf(code: FirmwareErrorCode): TransferOutcome {
  if (code === 'HARDWARE_VERSION_OUT_OF_RANGE') return 'hardwareVersionMismatch';
  if (code === 'QUOTA_REACHED' || code === 'IMAGE_HASH_MISMATCH') return 'transferFailed';
  return 'imageDiscarded';
}
