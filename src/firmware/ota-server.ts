import { EventEmitter } from 'node:events';
import type { Clock } from '../../hal/clock.js';
import type { Eui64 } from '../../hal/radio.js';
import { jsonCodec, type Domain, type Store } from '../store/index.js';
import { FirmwareError } from './errors.js';
import type { DeviceModels } from './device-models.js';
import type { FirmwareImages } from './image-store.js';
import type { TransferEnded } from './image-receiver.js';
import { decodeOtaCommand, encodeOtaCommand, OTA_STATUS, otaCommandById, type OtaCommandName, type OtaFields } from '../../hal/zcl/ota-cluster.js';
import type { UpgradeImage } from './upgrade-image.js';

/**
 * The hub as OTA Upgrade server: each Device is offered at most one held image, and pulls it in
 * blocks at its own pace (a sleepy GSME between its sleeps). Offers are durable, and a Device asks
 * by offset, so a transfer interrupted by a hub restart goes on where the Device left it. A Device
 * that asks again sooner than its minimum block period allows (the Sub GHz duty cycle running
 * short) is told WAIT_FOR_DATA; the end of each transfer is reported as `transferEnded`, the CHF's
 * CCS08.
 */
export interface OtaServerOptions {
  store: Store;
  images: FirmwareImages;
  clock: Clock;
  /** The most image octets in one block: what fits a frame without APS encryption. */
  maxBlockOctets?: number;
  /** The least time between two blocks to a Device, in ms (0: none). */
  minimumBlockPeriodMs?: (eui: Eui64) => number;
  /** Told what each Device says it runs (its Query Next Image), for the allowed Device Model combinations. */
  models?: Pick<DeviceModels, 'observed'>;
}

export interface OtaServerEvents {
  transferEnded: [event: Omit<TransferEnded, 'cause'> & { cause: string }];
}

export const DEFAULT_MAX_BLOCK_OCTETS = 63;
export const OTA_OFFERS_DOMAIN = { name: 'otaOffers', codec: jsonCodec<{ hash: string; offeredAt: number }>() } as const;
/** Image Notify: the Device should query at once (jitter 100 of 100), for this manufacturer, type and version. */
const NOTIFY_QUERY_JITTER = 100;
const NOTIFY_WITH_VERSION = 3;

export interface OtaReply {
  name: OtaCommandName;
  payload: Buffer;
}

export class OtaServer extends EventEmitter<OtaServerEvents> {
  private readonly offers = new Map<Eui64, string>();
  private readonly loaded = new Map<string, UpgradeImage>();
  private readonly lastBlock = new Map<Eui64, number>();

  private constructor(
    private readonly options: OtaServerOptions,
    private readonly domain: Domain<{ hash: string; offeredAt: number }>,
  ) {
    super();
  }

  static async open(options: OtaServerOptions): Promise<OtaServer> {
    const server = new OtaServer(options, await options.store.domain(OTA_OFFERS_DOMAIN));
    for await (const [eui, offer] of server.domain.entries()) server.offers.set(eui, offer.hash);
    return server;
  }

  /** Offer a held image to a Device (replacing any earlier offer); returns the Image Notify payload to send it. */
  async offer(eui: Eui64, hash: string): Promise<Buffer> {
    const image = await this.image(hash.toLowerCase());
    await this.domain.put(eui, { hash: hash.toLowerCase(), offeredAt: this.options.clock.now() });
    this.offers.set(eui, hash.toLowerCase());
    const { manufacturerCode, imageType, fileVersion } = image.header;
    return encodeOtaCommand('imageNotify', { payloadType: NOTIFY_WITH_VERSION, queryJitter: NOTIFY_QUERY_JITTER, manufacturerCode, imageType, fileVersion });
  }

  async withdraw(eui: Eui64): Promise<void> {
    await this.domain.del(eui);
    this.offers.delete(eui);
  }

  offered(eui: Eui64): string | undefined {
    return this.offers.get(eui);
  }

  /** One OTA command from a Device (client to server); the reply to send, or undefined when none is due. */
  async handle(eui: Eui64, commandId: number, payload: Buffer): Promise<OtaReply | undefined> {
    const name = otaCommandById(commandId, 'clientToServer');
    if (!name) throw new FirmwareError('BAD_FIELD', `0x${commandId.toString(16)} is not an OTA command the server takes`, { field: 'command id' });
    const fields = decodeOtaCommand(name, payload);
    if (name === 'queryNextImageRequest') return this.queryNextImage(eui, fields);
    if (name === 'imageBlockRequest') return this.imageBlock(eui, fields);
    return this.upgradeEnd(eui, fields);
  }

  private async current(eui: Eui64): Promise<UpgradeImage | undefined> {
    const hash = this.offers.get(eui);
    return hash === undefined ? undefined : this.image(hash).catch(() => undefined);
  }

  private async image(hash: string): Promise<UpgradeImage> {
    let image = this.loaded.get(hash);
    if (!image) {
      image = await this.options.images.get(hash);
      if (!image) throw new FirmwareError('IMAGE_NOT_HELD', `the hub holds no image ${hash}`, { field: 'Manufacturer Image hash' });
      this.loaded.set(hash, image);
    }
    return image;
  }

  private async queryNextImage(eui: Eui64, fields: OtaFields): Promise<OtaReply> {
    const image = await this.current(eui);
    const header = image?.header;
    const hardware = fields['hardwareVersion'] as number | undefined;
    if (hardware !== undefined) {
      await this.options.models?.observed(eui, { manufacturerCode: fields['manufacturerCode'] as number, imageType: fields['imageType'] as number, hardwareVersion: hardware, fileVersion: fields['fileVersion'] as number });
    }
    const fits = header && header.manufacturerCode === fields['manufacturerCode'] && header.imageType === fields['imageType'] && header.fileVersion !== fields['fileVersion'] &&
      (hardware === undefined || !header.hardwareVersions || (hardware >= header.hardwareVersions.min && hardware <= header.hardwareVersions.max));
    if (!fits) return { name: 'queryNextImageResponse', payload: encodeOtaCommand('queryNextImageResponse', { status: OTA_STATUS.noImageAvailable }) };
    return { name: 'queryNextImageResponse', payload: encodeOtaCommand('queryNextImageResponse', { status: OTA_STATUS.success, manufacturerCode: header.manufacturerCode, imageType: header.imageType, fileVersion: header.fileVersion, imageSize: header.totalImageSize }) };
  }

  private async imageBlock(eui: Eui64, fields: OtaFields): Promise<OtaReply> {
    const reply = (values: OtaFields): OtaReply => ({ name: 'imageBlockResponse', payload: encodeOtaCommand('imageBlockResponse', values) });
    const image = await this.current(eui);
    const offset = fields['fileOffset'] as number;
    if (!image || !this.sameImage(image, fields) || offset >= image.bytes.length) return reply({ status: OTA_STATUS.abort });
    const now = this.options.clock.now();
    const period = this.options.minimumBlockPeriodMs?.(eui) ?? 0;
    const wait = (this.lastBlock.get(eui) ?? -Infinity) + period - now;
    if (wait > 0) return reply({ status: OTA_STATUS.waitForData, currentTime: 0, requestTime: Math.ceil(wait / 1000), minimumBlockPeriod: Math.min(period, 0xfffe) });
    this.lastBlock.set(eui, now);
    const size = Math.min(fields['maximumDataSize'] as number, this.options.maxBlockOctets ?? DEFAULT_MAX_BLOCK_OCTETS);
    const { manufacturerCode, imageType, fileVersion } = image.header;
    return reply({ status: OTA_STATUS.success, manufacturerCode, imageType, fileVersion, fileOffset: offset, data: image.bytes.subarray(offset, offset + size) });
  }

  private async upgradeEnd(eui: Eui64, fields: OtaFields): Promise<OtaReply | undefined> {
    const image = await this.current(eui);
    if (!image || !this.sameImage(image, fields)) return undefined;
    const status = fields['status'] as number;
    const version = Buffer.alloc(4);
    version.writeUInt32BE(image.header.fileVersion);
    const hash = this.offers.get(eui)!;
    const at = this.options.clock.now();
    if (status !== OTA_STATUS.success) {
      const outcome = status === OTA_STATUS.invalidImage ? 'imageDiscarded' : 'transferFailed';
      this.emit('transferEnded', { at, target: eui, firmwareVersion: version, outcome, cause: `UPGRADE_END_0x${status.toString(16).toUpperCase()}`, imageHash: hash });
      return undefined;
    }
    this.emit('transferEnded', { at, target: eui, firmwareVersion: version, outcome: 'transferSucceeded', cause: 'SUCCESS', imageHash: hash });
    const { manufacturerCode, imageType, fileVersion } = image.header;
    // Upgrade time 0 ends the exchange; when the image runs is for CS06 to say.
    return { name: 'upgradeEndResponse', payload: encodeOtaCommand('upgradeEndResponse', { manufacturerCode, imageType, fileVersion, currentTime: 0, upgradeTime: 0 }) };
  }

  private sameImage(image: UpgradeImage, fields: OtaFields): boolean {
    const { header } = image;
    return header.manufacturerCode === fields['manufacturerCode'] && header.imageType === fields['imageType'] && header.fileVersion === fields['fileVersion'];
  }
}
