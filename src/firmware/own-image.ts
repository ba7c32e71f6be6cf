import { EventEmitter } from 'node:events';
import type { Clock } from '../../hal/clock.js';
import type { Eui64 } from '../../hal/radio.js';
import type { Store } from '../store/index.js';
import { ACTIVATION_RESPONSE, ActivationSchedule, CANCEL_ACTIVATION_AT, type ActivationOrigin, type ActivationOutcome, type ActivationResponse } from './activation-schedule.js';
import { FirmwareError } from './errors.js';
import type { DeviceModels } from './device-models.js';
import type { FirmwareImages } from './image-store.js';
import type { HubSlots, SlotName } from './hub-slots.js';
import { checkTarget, type ImageTarget } from './target.js';
import { manufacturerImageHash, parseUpgradeImage, type UpgradeImage } from './upgrade-image.js';

/**
 * CS06 and ECS52 for the hub itself: which firmware runs (the active slot's image), and activating
 * an image the hub holds for itself, now or at a date-time, through the ActivationSchedule. As in
 * GBCS, receiving an image (CS05) only stores it: `stage` writes it to the inactive slot (where a
 * board's `trial` unpacks and checks its bundle) and nothing switches. Only CS06 activates: it
 * stages the image if it is not there yet, switches to it on trial, and then either runs the new
 * slot's own check at once (`trial`, on a board: its bundle's selftest, kept or rolled back) or
 * leaves the check to the first start on the new slot (slots-at-start.ts); either way a kept switch
 * needs a restart into it (`restartNeeded`). Before anything is switched, `models` may refuse the
 * activation (the allowed Device Model combinations, a downgrade): an activation failure, nothing switched.
 */
export interface OwnImageOptions {
  store: Store;
  clock: Clock;
  images: FirmwareImages;
  /** The hub's own EUI-64 (the CHF): the target activations are kept under. */
  hub: Eui64;
  /** The hub's A/B slots; without them the hub runs no image of its own and every activation fails. */
  slots?: HubSlots;
  /** What an image for the hub must match (the CHF's entry in `firmware.targets`). */
  target?: Omit<ImageTarget, 'eui'>;
  /** Refuses (throws a FirmwareError) an activation that would leave a combination not on the allowed list, or a downgrade it does not allow. */
  models?: Pick<DeviceModels, 'approve' | 'observed'>;
  /** What runs from a slot beyond its image (a board's bundle): prepared when staged, checked right after the switch. */
  trial?: SlotTrial;
}

/** A board's part in switching slots (src/update): the bundle a slot runs, and its selftest. */
export interface SlotTrial {
  /** The image is in `slot` (inactive): make what runs from it ready, or throw when it cannot run. */
  prepare(image: UpgradeImage, slot: SlotName): Promise<void>;
  /**
   * The slots just switched to `slot` on trial: check it and confirm or roll back (`slots.confirm`);
   * 'atNextStart' leaves the trial for the first start on the new slot.
   */
  check(image: UpgradeImage, slot: SlotName): Promise<'kept' | 'rolledBack' | 'atNextStart'>;
}

/** What CS06 answers: an outcome now (code and the version running afterwards), or accepted for later, or cancelled. */
export type OwnActivation =
  | { kind: 'outcome'; response: ActivationResponse; runningVersion: Buffer; error?: unknown }
  | { kind: 'scheduled'; at: number }
  | { kind: 'cancelled'; had: boolean };

export interface OwnImageEvents {
  /** The slots switched: the hub must restart to run `version`. */
  restartNeeded: [change: { version: Buffer; hash: string }];
  /** A future-dated activation ran (CS06's alert 0x8F66 / 0x8F67), with the version running afterwards. */
  futureActivation: [outcome: ActivationOutcome & { runningVersion: Buffer }];
}

/** A 4-octet firmware version as GBCS carries it: the OTA file version, big-endian. */
export function versionOctets(fileVersion: number): Buffer {
  const octets = Buffer.alloc(4);
  octets.writeUInt32BE(fileVersion >>> 0);
  return octets;
}

const NO_VERSION = Buffer.alloc(4);

export class OwnImage extends EventEmitter<OwnImageEvents> {
  private schedule!: ActivationSchedule;

  private constructor(private readonly options: OwnImageOptions) {
    super();
  }

  static async open(options: OwnImageOptions): Promise<OwnImage> {
    const own = new OwnImage(options);
    own.schedule = await ActivationSchedule.open({ store: options.store, images: options.images, clock: options.clock, execute: (_target, hash) => own.run(hash) });
    own.schedule.on('futureActivation', (outcome) => {
      void own.runningVersion().then((version) => own.emit('futureActivation', { ...outcome, runningVersion: outcome.firmwareVersion ?? version ?? NO_VERSION }));
    });
    return own;
  }

  /** Arm the future-dated activations kept on disk (after whoever raises their alerts listens); note the Device Model the hub runs. */
  async start(): Promise<void> {
    const { target, models, hub } = this.options;
    const running = await this.runningFileVersion();
    if (target && models && running !== undefined) await models.observed(hub, { manufacturerCode: target.manufacturerCode, imageType: target.imageType, hardwareVersion: target.hardwareVersion, fileVersion: running });
    await this.schedule.start();
  }

  stop(): void {
    this.schedule.stop();
  }

  pending(): Promise<{ hash: string; at: number } | undefined> {
    return this.schedule.pending(this.options.hub);
  }

  /** The file version of the image the hub runs (its active slot's), or undefined when it manages no slots. */
  async runningFileVersion(): Promise<number | undefined> {
    const { slots } = this.options;
    if (!slots) return undefined;
    const image = await slots.complete((await slots.state()).active);
    return image ? parseUpgradeImage(image, { signature: 'auto' }).header.fileVersion : undefined;
  }

  async runningVersion(): Promise<Buffer | undefined> {
    const version = await this.runningFileVersion();
    return version === undefined ? undefined : versionOctets(version);
  }

  /** One CS06 addressed to the hub. */
  async activate(hash: string, at: number | undefined, origin?: ActivationOrigin): Promise<OwnActivation> {
    const key = hash.toLowerCase();
    if (at !== CANCEL_ACTIVATION_AT && !this.options.images.entry(key)) return this.refused(this.holdsOwnImage() ? ACTIVATION_RESPONSE.hashMismatch : ACTIVATION_RESPONSE.noImageHeld);
    const result = await this.schedule.schedule(this.options.hub, key, at, origin);
    if (result.kind === 'scheduled' || result.kind === 'cancelled') return result;
    if (result.kind === 'refused') return this.refused(result.response);
    const { outcome } = result;
    const running = outcome.firmwareVersion ?? (await this.runningVersion()) ?? NO_VERSION;
    return { kind: 'outcome', response: outcome.response, runningVersion: running, ...(outcome.error === undefined ? {} : { error: outcome.error }) };
  }

  private async refused(response: ActivationResponse): Promise<OwnActivation> {
    return { kind: 'outcome', response, runningVersion: (await this.runningVersion()) ?? NO_VERSION };
  }

  /** Whether any image held is one for the hub: then a hash naming none of them is a mismatch, not "no image". */
  private holdsOwnImage(): boolean {
    const { target } = this.options;
    return target !== undefined && this.options.images.list().some((image) => image.manufacturerCode === target.manufacturerCode && image.imageType === target.imageType);
  }

  /**
   * An image the hub received for itself goes to the inactive slot (unless it is there already) and
   * is made ready to run; nothing switches. Throws when it is not one of the hub's own or cannot run.
   */
  async stage(hash: string): Promise<{ image: UpgradeImage; slot: SlotName }> {
    const { slots, image } = await this.held(hash);
    const slot: SlotName = (await slots.state()).active === 'a' ? 'b' : 'a';
    if (!(await slots.complete(slot))?.equals(image.bytes)) await slots.stage(Buffer.from(image.bytes));
    await this.options.trial?.prepare(image, slot);
    return { image, slot };
  }

  /** The held image `hash` names, when it is one of the hub's own and the hub has slots to run it from. */
  private async held(hash: string): Promise<{ slots: HubSlots; target: Omit<ImageTarget, 'eui'>; image: UpgradeImage }> {
    const { slots, target, images } = this.options;
    if (!slots) throw new FirmwareError('IMAGE_NOT_HELD', 'the hub manages no slots of its own (firmware.slots is unset)', { field: 'firmware.slots' });
    const image = await images.get(hash);
    if (!image) throw new FirmwareError('IMAGE_NOT_HELD', `the hub holds no image ${hash}`, { field: 'Manufacturer Image hash' });
    if (!target) throw new FirmwareError('UNKNOWN_TARGET', "no firmware.targets entry says which images are the hub's own", { field: 'firmware.targets' });
    checkTarget(image.header, target);
    return { slots, target, image };
  }

  /** Stage if need be, switch, and check: the executor behind the schedule. Resolves with the version the hub will run. */
  private async run(hash: string): Promise<Buffer> {
    const { slots, target, image: held } = await this.held(hash);
    // Already running it (an earlier CS06 for the same image): nothing to switch.
    const running = await slots.complete((await slots.state()).active);
    if (running && manufacturerImageHash(parseUpgradeImage(running, { signature: 'auto' })).toString('hex') === hash) return versionOctets(held.header.fileVersion);
    const from = await this.runningFileVersion();
    const model = { manufacturerCode: target.manufacturerCode, imageType: target.imageType, hardwareVersion: target.hardwareVersion };
    await this.options.models?.approve(this.options.hub, from === undefined ? undefined : { ...model, fileVersion: from }, { ...model, fileVersion: held.header.fileVersion });
    const { image, slot } = await this.stage(hash);
    await slots.activate();
    const version = versionOctets(image.header.fileVersion);
    if ((await this.options.trial?.check(image, slot)) === 'rolledBack') {
      throw new FirmwareError('ACTIVATION_FAILED', `the image in slot ${slot.toUpperCase()} failed its check: the previous slot runs`, { field: 'firmware.slots' });
    }
    this.emit('restartNeeded', { version, hash });
    return version;
  }
}
