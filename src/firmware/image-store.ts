import type { Clock } from '../../hal/clock.js';
import { HUB_EVENTS, type SecurityEventSink } from '../logs/index.js';
import type { Credential, CredentialSource } from '../security/certificates.js';
import { bytesCodec, jsonCodec, type Domain, type Store } from '../store/index.js';
import { FirmwareError } from './errors.js';
import { checkTarget, type ImageTarget } from './target.js';
import { manufacturerImageHash, parseUpgradeImage, type UpgradeImage } from './upgrade-image.js';
import { verifyUpgradeImage } from './verify.js';

/**
 * The Upgrade Images the hub holds, each under the SHA-256 of its Manufacturer Image (the name a
 * CS06 gives it), with a small index entry beside it so listing never reads the images. An image
 * is checked whole (layout, signature, target) before it is written, and written with its entry in
 * one durable batch, so a held image is always one that passed.
 */
export interface HeldImage {
  /** SHA-256 of the Manufacturer Image, lower-case hex. */
  hash: string;
  size: number;
  manufacturerCode: number;
  imageType: number;
  fileVersion: number;
  hardwareVersions?: { min: number; max: number };
  /** The supplier whose signature verified; absent for an unsigned (SMETS1 PPMID) image. */
  signer?: string;
  storedAt: number;
}

function isHeldImage(value: unknown): value is HeldImage {
  const v = value as HeldImage | null;
  return typeof v === 'object' && v !== null && typeof v.hash === 'string' && /^[0-9a-f]{64}$/.test(v.hash) && Number.isSafeInteger(v.size) && Number.isInteger(v.manufacturerCode) && Number.isInteger(v.imageType) && Number.isInteger(v.fileVersion) && Number.isFinite(v.storedAt) && (v.signer === undefined || typeof v.signer === 'string');
}

export const FIRMWARE_IMAGES_DOMAIN = { name: 'firmwareImages', codec: bytesCodec } as const;
export const FIRMWARE_INDEX_DOMAIN = { name: 'firmwareIndex', codec: jsonCodec(isHeldImage) } as const;

export interface ImageStoreOptions {
  clock: Clock;
  /** The most octets of images held at once (default 64 MiB). */
  quotaBytes?: number;
  /** Where an image whose signature fails is recorded (Firmware Verification Failed): a forged image is an attack. */
  securityLog?: SecurityEventSink;
}

/** Refusals that say someone tried to pass off firmware the supplier did not authorise. */
const ATTACKS: ReadonlySet<string> = new Set(['SIGNATURE_INVALID', 'UNTRUSTED_SIGNER', 'SIGNATURE_MISSING']);

export interface AddOptions {
  credentials: CredentialSource;
  /** Certificates held in other roles, so an image signed by one is refused as such (verify.ts). */
  others?: Iterable<Credential>;
  /** False only for targets GBCS lets run unsigned images (a SMETS1 PPMID); default true. */
  requireSignature?: boolean;
  /** When given, an image whose header does not fit this Device is refused before anything is written. */
  target?: ImageTarget;
}

export const DEFAULT_IMAGE_QUOTA_BYTES = 64 * 1024 * 1024;

export class FirmwareImages {
  private readonly held = new Map<string, HeldImage>();

  private constructor(
    private readonly store: Store,
    private readonly images: Domain<Buffer>,
    private readonly index: Domain<HeldImage>,
    private readonly options: ImageStoreOptions,
  ) {}

  static async open(store: Store, options: ImageStoreOptions): Promise<FirmwareImages> {
    const images = new FirmwareImages(store, await store.domain(FIRMWARE_IMAGES_DOMAIN), await store.domain(FIRMWARE_INDEX_DOMAIN), options);
    for await (const [hash, entry] of images.index.entries()) images.held.set(hash, entry);
    return images;
  }

  get quotaBytes(): number {
    return this.options.quotaBytes ?? DEFAULT_IMAGE_QUOTA_BYTES;
  }

  get usedBytes(): number {
    return [...this.held.values()].reduce((sum, entry) => sum + entry.size, 0);
  }

  list(): HeldImage[] {
    return [...this.held.values()].sort((a, b) => a.storedAt - b.storedAt || a.hash.localeCompare(b.hash));
  }

  entry(hash: string): HeldImage | undefined {
    return this.held.get(hash.toLowerCase());
  }

  /**
   * Checks and keeps an image. An image already held under the same hash is kept as it is unless
   * the new one's force-replace octet is set. Throws a FirmwareError with nothing written.
   */
  async add(bytes: Buffer, options: AddOptions): Promise<{ entry: HeldImage; added: boolean }> {
    const copy = Buffer.from(bytes);
    const requireSignature = options.requireSignature ?? true;
    const image = parseUpgradeImage(copy, { signature: requireSignature ? 'required' : 'auto' });
    if (options.target) checkTarget(image.header, options.target);
    const hash = manufacturerImageHash(image).toString('hex');
    const signer = image.signature || requireSignature ? await this.verified(image, hash, options) : undefined;
    const existing = this.held.get(hash);
    const { header: incoming } = image;
    // One image per Manufacturer Image hash (CS06 names no more): another header around the same Manufacturer Image cannot be held beside it.
    if (existing && !image.signature?.forceReplace && (existing.manufacturerCode !== incoming.manufacturerCode || existing.imageType !== incoming.imageType || existing.fileVersion !== incoming.fileVersion)) {
      throw new FirmwareError('MANUFACTURER_IMAGE_HELD', `the hub holds this Manufacturer Image already, in an image of type 0x${existing.imageType.toString(16)} version 0x${existing.fileVersion.toString(16)}; remove that one first`, { field: 'Manufacturer Image hash', offset: incoming.headerLength });
    }
    if (existing && !image.signature?.forceReplace) return { entry: existing, added: false };
    const room = this.quotaBytes - this.usedBytes + (existing?.size ?? 0);
    if (copy.length > room) {
      throw new FirmwareError('QUOTA_REACHED', `a ${copy.length}-octet image does not fit: ${this.usedBytes} of the ${this.quotaBytes} octets for images are in use`, { field: 'total image size', offset: 52 });
    }
    const { header } = image;
    const entry: HeldImage = {
      hash,
      size: copy.length,
      manufacturerCode: header.manufacturerCode,
      imageType: header.imageType,
      fileVersion: header.fileVersion,
      ...(header.hardwareVersions ? { hardwareVersions: header.hardwareVersions } : {}),
      ...(signer ? { signer: signer.eui } : {}),
      storedAt: this.options.clock.now(),
    };
    await this.store.batch().put(this.images, hash, copy).put(this.index, hash, entry).write();
    this.held.set(hash, entry);
    return { entry, added: true };
  }

  private async verified(image: UpgradeImage, hash: string, options: AddOptions): Promise<Credential> {
    try {
      return verifyUpgradeImage(image, options.credentials, options.others ? { others: options.others } : {});
    } catch (error) {
      if (error instanceof FirmwareError && ATTACKS.has(error.code)) {
        await this.options.securityLog?.record(HUB_EVENTS.firmwareVerificationFailed.code, { reason: error.code, manufacturerImageHash: hash, fileVersion: image.header.fileVersion });
      }
      throw error;
    }
  }

  /** The held image named by its Manufacturer Image hash (hex, either case). */
  async get(hash: string): Promise<UpgradeImage | undefined> {
    const key = hash.toLowerCase();
    if (!this.held.has(key)) return undefined;
    const bytes = await this.images.get(key);
    return bytes ? parseUpgradeImage(bytes, { signature: this.held.get(key)!.signer ? 'required' : 'auto' }) : undefined;
  }

  async remove(hash: string): Promise<boolean> {
    const key = hash.toLowerCase();
    if (!this.held.has(key)) return false;
    await this.store.batch().del(this.images, key).del(this.index, key).write();
    this.held.delete(key);
    return true;
  }
}
