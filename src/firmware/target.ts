import type { Eui64 } from '../../hal/radio.js';
import { FirmwareError } from './errors.js';
import { hex, type OtaHeader } from './ota-header.js';

/**
 * Whether an image is for a given Device: GBCS has the hub discard an image whose header does not
 * match its target (and say so in a CCS08), so the manufacturer, image type, destination and
 * hardware version range are checked before anything is stored for it.
 */
export interface ImageTarget {
  eui?: Eui64;
  manufacturerCode: number;
  imageType: number;
  hardwareVersion: number;
}

export function checkTarget(header: OtaHeader, target: ImageTarget): void {
  if (header.manufacturerCode !== target.manufacturerCode) {
    throw new FirmwareError('WRONG_MANUFACTURER', `the image is for manufacturer 0x${hex(header.manufacturerCode, 4)}, the Device is 0x${hex(target.manufacturerCode, 4)}`, { field: 'manufacturer code', offset: 10 });
  }
  if (header.imageType !== target.imageType) {
    throw new FirmwareError('WRONG_IMAGE_TYPE', `the image is of type 0x${hex(header.imageType, 4)}, the Device takes 0x${hex(target.imageType, 4)}`, { field: 'image type', offset: 12 });
  }
  if (header.destination !== undefined && target.eui !== undefined && header.destination !== target.eui) {
    throw new FirmwareError('WRONG_DESTINATION', `the image is for Device ${header.destination} only, not ${target.eui}`, { field: 'upgrade file destination', offset: 56 + (header.securityCredentialVersion === undefined ? 0 : 1) });
  }
  const range = header.hardwareVersions;
  if (range && (target.hardwareVersion < range.min || target.hardwareVersion > range.max)) {
    const offset = header.headerLength - 4;
    throw new FirmwareError('HARDWARE_VERSION_OUT_OF_RANGE', `the Device's hardware version 0x${hex(target.hardwareVersion, 4)} is outside the image's 0x${hex(range.min, 4)}–0x${hex(range.max, 4)}`, { field: 'minimum/maximum hardware version', offset });
  }
}
