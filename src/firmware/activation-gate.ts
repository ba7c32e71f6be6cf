import type { Eui64 } from '../../hal/radio.js';
import { decodeMessage } from '../gbcs/index.js';
import { activateFirmwareCommand, decodeAsn1 } from '../gbcs/payload/asn1/index.js';
import { CANCEL_ACTIVATION_AT } from './activation-schedule.js';
import type { DeviceModels } from './device-models.js';
import { FirmwareError } from './errors.js';
import type { FirmwareImages } from './image-store.js';
import type { TargetLookup } from './image-receiver.js';

/**
 * CS06 addressed to a meter or the PPMID is relayed, and the Device runs the image; the hub sent it
 * that image, so it knows the Device Model the Device would run afterwards. Before relaying a CS06
 * naming an image it holds, it asks the allowed Device Model combinations (device-models.ts): one
 * that would leave a combination not on the list, or a downgrade the list does not name, is not
 * passed on; the head end hears why on the relay topic and the Security Log has it. Everything else
 * goes to the relay untouched. Until `arm` it passes everything (the firmware side starts after the
 * router that relays).
 */
export interface RelayTarget {
  relay(eui64: Eui64, gbcsBytes: Buffer): Promise<unknown>;
}

const CS06_MESSAGE_CODE = 0x0012;

export class ActivationGate implements RelayTarget {
  private armed: { images: Pick<FirmwareImages, 'entry'>; models: Pick<DeviceModels, 'approve' | 'runningOf'>; targetOf: TargetLookup } | undefined;

  constructor(private readonly relayTo: RelayTarget) {}

  arm(options: ActivationGate['armed']): void {
    this.armed = options;
  }

  async relay(eui64: Eui64, gbcsBytes: Buffer): Promise<unknown> {
    const refusal = await this.refusal(eui64, gbcsBytes);
    return refusal ?? this.relayTo.relay(eui64, gbcsBytes);
  }

  private async refusal(eui64: Eui64, bytes: Buffer): Promise<{ eui64: Eui64; status: 'NOT_ALLOWED'; detail: string } | undefined> {
    if (!this.armed) return undefined;
    let hash: string;
    let at: number | undefined;
    try {
      const message = decodeMessage(bytes);
      if (message.header.messageCode !== CS06_MESSAGE_CODE) return undefined;
      const command = decodeAsn1(activateFirmwareCommand, message.payload);
      hash = command.manufacturerImageHash.toString('hex');
      at = command.executionDateTime?.getTime();
    } catch {
      return undefined; // not a CS06 the hub can read: the Device judges it
    }
    const image = this.armed.images.entry(hash);
    const target = this.armed.targetOf(eui64);
    if (!image || !target || at === CANCEL_ACTIVATION_AT) return undefined;
    const to = { manufacturerCode: image.manufacturerCode, imageType: image.imageType, hardwareVersion: target.hardwareVersion, fileVersion: image.fileVersion };
    try {
      await this.armed.models.approve(eui64, await this.armed.models.runningOf(eui64), to);
      return undefined;
    } catch (error) {
      if (!(error instanceof FirmwareError)) throw error;
      return { eui64, status: 'NOT_ALLOWED', detail: `${error.code}: ${error.message}` };
    }
  }
}
