import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../clock.js';
import { decodeZclFrame, encodeZclFrame, PROFILE, ZclError } from '../zcl/index.js';
import { decodeOtaCommand, encodeOtaCommand, OTA_CLUSTER_ID, OTA_COMMANDS, OTA_STATUS, otaCommandById, type OtaCommandName, type OtaFields } from '../zcl/ota-cluster.js';
import type { ReceivedMessage, SimDevice } from './device.js';
import type { DeviceType } from './scenario.js';

/**
 * A simulated Device's OTA Upgrade client (cluster 0x0019, Smart Energy profile): it asks the hub
 * for its next image (Query Next Image) when told one waits (Image Notify) or, for the sleepy
 * GSME set to (`queryOnWake`), each time it wakes; pulls the image block by block at its own offset, only while awake;
 * waits as long as WAIT_FOR_DATA says; asks again after a silence (so a transfer the hub's restart
 * interrupted goes on where it was); checks the whole image's header (magic, size, its own
 * hardware version) and ends with Upgrade End. The image is then held, not run: GBCS runs it when a
 * CS06 names its Manufacturer Image hash (`activate`).
 */
export interface InstalledFirmware {
  manufacturerCode: number;
  imageType: number;
  fileVersion: number;
  hardwareVersion: number;
}

/** What each kind of simulated Device runs at start: the DCC samples' manufacturer and image types, hardware inside their range. */
export const FACTORY_FIRMWARE: Readonly<Partial<Record<DeviceType, InstalledFirmware>>> = {
  ESME: { manufacturerCode: 0x121d, imageType: 0x0000, fileVersion: 0x00000001, hardwareVersion: 0x1111 },
  GSME: { manufacturerCode: 0x121d, imageType: 0x0001, fileVersion: 0x00000001, hardwareVersion: 0x1111 },
  PPMID: { manufacturerCode: 0x121d, imageType: 0x0084, fileVersion: 0x00000001, hardwareVersion: 0x1111 },
  HCALCS: { manufacturerCode: 0x121d, imageType: 0x0003, fileVersion: 0x00000001, hardwareVersion: 0x1111 },
};

export interface OtaClientSettings {
  /**
   * A sleepy Device asks for its next image each time it wakes (off by default, so the simulator's
   * other runs see no OTA traffic; a sleeping Device never hears Image Notify, so this is how it learns).
   */
  queryOnWake: boolean;
}

export type OtaClientState = 'idle' | 'querying' | 'downloading' | 'waiting' | 'downloaded' | 'failed';

export interface OtaClientStatus {
  state: OtaClientState;
  installed: InstalledFirmware;
  download?: { fileVersion: number; imageSize: number; received: number };
  blocks: number;
  waits: number;
  retries: number;
  /** The Manufacturer Image hash of the image held for activation. */
  heldHash?: string;
}

export interface OtaClientEvents {
  /** The whole image is in and Upgrade End sent (status 0 when it was good). */
  downloaded: [result: { status: number; fileVersion: number; hash?: string }];
  activated: [installed: InstalledFirmware];
  changed: [status: OtaClientStatus];
}

/** The most image octets asked for in one block: what fits an unencrypted frame. */
const MAX_DATA_SIZE = 63;
/** How long the client waits for an answer before asking again. */
const ANSWER_WAIT_MS = 4000;
/** How often a sleepy client polls its parent while it waits for an answer. */
const SLEEPY_POLL_MS = 200;
/** How many times a sleepy client asks again in one wake before it sleeps on it. */
const SLEEPY_TRIES = 2;
const OTA_MAGIC = 0x0beef11e;
const SIGNATURE_TRAILER = 66;

export class SimOtaClient extends EventEmitter<OtaClientEvents> {
  installed: InstalledFirmware;
  private state: OtaClientState = 'idle';
  private download: { fileVersion: number; imageSize: number; image: Buffer; received: number } | undefined;
  private held: { image: Buffer; hash: string; fileVersion: number } | undefined;
  private sequence = 0;
  private blocks = 0;
  private waits = 0;
  private retries = 0;
  private timer: Timer | undefined;
  private pollTimer: Timer | undefined;
  private awaiting: OtaCommandName | undefined;
  private silentTries = 0;
  private settings: OtaClientSettings = { queryOnWake: false };

  constructor(
    readonly device: SimDevice,
    private readonly clock: Clock,
    installed: InstalledFirmware,
  ) {
    super();
    this.installed = { ...installed };
    device.on('received', (message) => this.onMessage(message));
    device.on('woke', () => this.onWake());
  }

  status(): OtaClientStatus {
    return {
      state: this.state,
      installed: { ...this.installed },
      ...(this.download ? { download: { fileVersion: this.download.fileVersion, imageSize: this.download.imageSize, received: this.download.received } } : {}),
      blocks: this.blocks,
      waits: this.waits,
      retries: this.retries,
      ...(this.held ? { heldHash: this.held.hash } : {}),
    };
  }

  configure(settings: Partial<OtaClientSettings>): void {
    this.settings = { ...this.settings, ...settings };
  }

  /** Ask the hub whether an image waits (what Image Notify or a wake-up sets off). */
  query(): void {
    if (this.state === 'downloading' || this.state === 'waiting') return;
    this.setState('querying');
    this.ask('queryNextImageRequest', { fieldControl: 0x01, manufacturerCode: this.installed.manufacturerCode, imageType: this.installed.imageType, fileVersion: this.installed.fileVersion, hardwareVersion: this.installed.hardwareVersion });
  }

  /** A CS06 named `hash`: run the held image when it is the one. True when it now runs. */
  activate(hash: string): boolean {
    if (!this.held || this.held.hash !== hash.toLowerCase()) return false;
    this.installed = { ...this.installed, fileVersion: this.held.fileVersion };
    this.held = undefined;
    this.setState('idle');
    this.emit('activated', { ...this.installed });
    return true;
  }

  stop(): void {
    this.timer?.cancel();
    this.pollTimer?.cancel();
  }

  private onWake(): void {
    if (!this.device.spec.sleepy || !this.device.joined) return;
    // A sleepy Device pulls between its sleeps: on each wake it goes on with a download, or asks for one.
    if (this.state === 'downloading' || this.state === 'waiting') this.requestBlock();
    else if (this.settings.queryOnWake && this.state !== 'downloaded') this.query();
  }

  private onMessage(message: ReceivedMessage): void {
    if (message.clusterId !== OTA_CLUSTER_ID || message.profileId !== PROFILE.smartEnergy) return;
    let name: OtaCommandName | undefined;
    let fields: OtaFields;
    try {
      const { header, payload } = decodeZclFrame(message.payload);
      if (header.frameType !== 'cluster' || header.direction !== 'serverToClient') return;
      name = otaCommandById(header.commandId, 'serverToClient');
      if (!name) return;
      fields = decodeOtaCommand(name, payload);
    } catch (error) {
      if (error instanceof ZclError) return;
      throw error;
    }
    if (name === 'imageNotify') return this.query();
    // An answer to what it is not waiting for (a late one after a retry) is not acted on twice.
    if (this.awaiting !== name.replace('Response', 'Request')) return;
    this.answered();
    if (name === 'queryNextImageResponse') this.onQueryResponse(fields);
    else if (name === 'imageBlockResponse') this.onBlock(fields);
    else if (name === 'upgradeEndResponse') this.setState('downloaded');
  }

  private onQueryResponse(fields: OtaFields): void {
    if (fields['status'] !== OTA_STATUS.success) return this.setState(this.held ? 'downloaded' : 'idle');
    const fileVersion = fields['fileVersion'] as number;
    const imageSize = fields['imageSize'] as number;
    // The same image as before goes on from where it was; another one starts again.
    if (!this.download || this.download.fileVersion !== fileVersion || this.download.imageSize !== imageSize) {
      this.download = { fileVersion, imageSize, image: Buffer.alloc(imageSize), received: 0 };
    }
    this.setState('downloading');
    this.requestBlock();
  }

  private onBlock(fields: OtaFields): void {
    const download = this.download;
    if (!download) return;
    const status = fields['status'] as number;
    if (status === OTA_STATUS.waitForData) {
      this.waits += 1;
      this.setState('waiting');
      const delay = Math.max((fields['requestTime'] as number) * 1000 - (fields['currentTime'] as number) * 1000, fields['minimumBlockPeriod'] as number, 1);
      this.timer = this.clock.setTimeout(() => this.requestBlock(), delay);
      return;
    }
    if (status !== OTA_STATUS.success) return this.setState('failed');
    const data = fields['data'] as Buffer;
    if ((fields['fileOffset'] as number) !== download.received || data.length === 0) return this.requestBlock();
    data.copy(download.image, download.received);
    download.received += data.length;
    this.blocks += 1;
    this.setState('downloading');
    if (download.received < download.imageSize) return this.requestBlock();
    this.finish(download);
  }

  private finish(download: { fileVersion: number; image: Buffer }): void {
    const { image, fileVersion } = download;
    const status = this.check(image);
    const hash = status === OTA_STATUS.success ? manufacturerImageHash(image) : undefined;
    if (hash) this.held = { image, hash, fileVersion };
    this.download = undefined;
    this.emit('downloaded', { status, fileVersion, ...(hash ? { hash } : {}) });
    this.ask('upgradeEndRequest', { status, manufacturerCode: this.installed.manufacturerCode, imageType: this.installed.imageType, fileVersion });
    if (status !== OTA_STATUS.success) this.setState('failed');
  }

  /** What the Device checks of an image it downloaded: an OTA file for its own hardware. */
  private check(image: Buffer): number {
    if (image.length < 56 || image.readUInt32LE(0) !== OTA_MAGIC || image.readUInt32LE(52) !== image.length) return OTA_STATUS.invalidImage;
    const fieldControl = image.readUInt16LE(8);
    const headerLength = image.readUInt16LE(6);
    if (fieldControl & 0x04) {
      const min = image.readUInt16LE(headerLength - 4);
      const max = image.readUInt16LE(headerLength - 2);
      if (this.installed.hardwareVersion < min || this.installed.hardwareVersion > max) return OTA_STATUS.invalidImage;
    }
    return OTA_STATUS.success;
  }

  private requestBlock(): void {
    const download = this.download;
    if (!download) return;
    if (this.device.spec.sleepy && !this.device.isAwake()) return; // on with it at the next wake
    this.ask('imageBlockRequest', {
      fieldControl: 0, manufacturerCode: this.installed.manufacturerCode, imageType: this.installed.imageType, fileVersion: download.fileVersion,
      fileOffset: download.received, maximumDataSize: MAX_DATA_SIZE,
    });
  }

  private ask(name: OtaCommandName, fields: OtaFields): void {
    if (!this.device.joined) return;
    this.timer?.cancel();
    this.sequence = (this.sequence + 1) & 0xff;
    const frame = encodeZclFrame({ header: { frameType: 'cluster', direction: 'clientToServer', disableDefaultResponse: true, sequence: this.sequence, commandId: OTA_COMMANDS[name].id }, payload: encodeOtaCommand(name, fields) });
    this.awaiting = name === 'upgradeEndRequest' && fields['status'] !== OTA_STATUS.success ? undefined : name;
    this.device.send(frame, { profileId: PROFILE.smartEnergy, clusterId: OTA_CLUSTER_ID, sourceEndpoint: 1, destinationEndpoint: 1 });
    if (!this.awaiting) return;
    // No answer (the hub restarting, the frame lost): ask again, from the same offset.
    this.timer = this.clock.setTimeout(() => this.retry(name, fields), ANSWER_WAIT_MS);
    if (this.device.spec.sleepy) this.pollForAnswer();
  }

  private retry(name: OtaCommandName, fields: OtaFields): void {
    this.retries += 1;
    this.silentTries += 1;
    // A sleepy Device does not stay awake for a hub that does not answer: it tries again at its next wake.
    if (this.device.spec.sleepy && this.silentTries > SLEEPY_TRIES) return this.answered();
    if (name === 'imageBlockRequest') this.requestBlock();
    else if (!this.device.spec.sleepy || this.device.isAwake()) this.ask(name, fields);
  }

  private answered(): void {
    this.silentTries = 0;
    this.awaiting = undefined;
    this.timer?.cancel();
    this.pollTimer?.cancel();
  }

  /** A sleepy Device hears its parent only when it polls: it polls while an answer is due. */
  private pollForAnswer(): void {
    this.pollTimer?.cancel();
    this.pollTimer = this.clock.setTimeout(() => {
      if (!this.awaiting) return;
      this.device.poll();
      this.pollForAnswer();
    }, SLEEPY_POLL_MS);
  }

  private setState(state: OtaClientState): void {
    this.state = state;
    this.emit('changed', this.status());
  }
}

/** SHA-256 of the Manufacturer Image: what follows the header, less a signature trailer when the image ends in one. */
export function manufacturerImageHash(image: Buffer): string {
  const headerLength = image.readUInt16LE(6);
  const trailerAt = image.length - SIGNATURE_TRAILER;
  const signed = trailerAt > headerLength && (image[trailerAt] === 0 || image[trailerAt] === 1) && image[trailerAt + 1] === 0x40;
  return createHash('sha256').update(image.subarray(headerLength, signed ? trailerAt : image.length)).digest('hex');
}
