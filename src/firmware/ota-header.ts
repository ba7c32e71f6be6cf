import { eui64FromWire, eui64ToWire } from '../../hal/eui64.js';
import type { Eui64 } from '../../hal/radio.js';
import { FirmwareError } from './errors.js';

/**
 * The ZigBee OTA Upgrade file header that opens every GBCS Upgrade Image: little-endian, a fixed part
 * of 56 octets, then the optional fields its field control announces. GBCS puts the Manufacturer
 * Image straight after it (no OTA sub-elements).
 */
export const OTA_MAGIC = 0x0beef11e;
export const OTA_HEADER_VERSION = 0x0100;
export const HEADER_STRING_LENGTH = 32;

export interface OtaHeader {
  headerVersion: number;
  /** As the image states it; a parsed header's always matches the fields present. */
  headerLength: number;
  fieldControl: number;
  manufacturerCode: number;
  imageType: number;
  /** The 4-octet firmware version a CS06 response and CS08 report. */
  fileVersion: number;
  stackVersion: number;
  /** 32 octets, as stored (often text padded with NULs or spaces). */
  headerString: Buffer;
  totalImageSize: number;
  securityCredentialVersion?: number;
  /** An image for one Device only. */
  destination?: Eui64;
  hardwareVersions?: { min: number; max: number };
}

/** One field of the fixed part: its name (as errors name it), offset and width in octets. */
interface FixedField {
  key: 'magic' | 'headerVersion' | 'headerLength' | 'fieldControl' | 'manufacturerCode' | 'imageType' | 'fileVersion' | 'stackVersion' | 'headerString' | 'totalImageSize';
  name: string;
  offset: number;
  width: number;
}

export const FIXED_FIELDS: readonly FixedField[] = [
  { key: 'magic', name: 'OTA upgrade file identifier', offset: 0, width: 4 },
  { key: 'headerVersion', name: 'OTA header version', offset: 4, width: 2 },
  { key: 'headerLength', name: 'OTA header length', offset: 6, width: 2 },
  { key: 'fieldControl', name: 'OTA header field control', offset: 8, width: 2 },
  { key: 'manufacturerCode', name: 'manufacturer code', offset: 10, width: 2 },
  { key: 'imageType', name: 'image type', offset: 12, width: 2 },
  { key: 'fileVersion', name: 'file version', offset: 14, width: 4 },
  { key: 'stackVersion', name: 'ZigBee stack version', offset: 18, width: 2 },
  { key: 'headerString', name: 'header string', offset: 20, width: HEADER_STRING_LENGTH },
  { key: 'totalImageSize', name: 'total image size', offset: 52, width: 4 },
];
export const FIXED_LENGTH = 56;

/** The optional fields, in the order they follow the fixed part, each with the field-control bit that announces it. */
export const OPTIONAL_FIELDS = [
  { key: 'securityCredentialVersion', name: 'security credential version', bit: 0x0001, width: 1 },
  { key: 'destination', name: 'upgrade file destination', bit: 0x0002, width: 8 },
  { key: 'hardwareVersions', name: 'minimum/maximum hardware version', bit: 0x0004, width: 4 },
] as const;
const KNOWN_FIELD_CONTROL_BITS = OPTIONAL_FIELDS.reduce((bits, field) => bits | field.bit, 0);

/** The header length the field control implies. */
export function headerLengthFor(fieldControl: number): number {
  return OPTIONAL_FIELDS.reduce((length, field) => length + (fieldControl & field.bit ? field.width : 0), FIXED_LENGTH);
}

function need(bytes: Buffer, offset: number, width: number, field: string): void {
  if (bytes.length < offset + width) {
    throw new FirmwareError('TRUNCATED', `the image ends at ${bytes.length} octets, inside the ${field} (${width} octets at ${offset})`, { field, offset });
  }
}

function uint(bytes: Buffer, field: FixedField): number {
  need(bytes, field.offset, field.width, field.name);
  return bytes.readUIntLE(field.offset, field.width);
}

const fixed = (key: FixedField['key']): FixedField => FIXED_FIELDS.find((field) => field.key === key)!;

/** Reads the header at the start of `bytes`; refuses a header that lies about its own layout. */
export function decodeOtaHeader(bytes: Buffer): OtaHeader {
  const magic = uint(bytes, fixed('magic'));
  if (magic !== OTA_MAGIC) throw new FirmwareError('BAD_MAGIC', `0x${hex(magic, 8)} is not the OTA file identifier 0x0BEEF11E`, { field: 'OTA upgrade file identifier', offset: 0 });
  const headerVersion = uint(bytes, fixed('headerVersion'));
  if (headerVersion !== OTA_HEADER_VERSION) throw new FirmwareError('BAD_HEADER_VERSION', `header version 0x${hex(headerVersion, 4)} is not 0x0100`, { field: 'OTA header version', offset: 4 });
  const headerLength = uint(bytes, fixed('headerLength'));
  const fieldControl = uint(bytes, fixed('fieldControl'));
  if (fieldControl & ~KNOWN_FIELD_CONTROL_BITS) {
    throw new FirmwareError('BAD_FIELD_CONTROL', `field control 0x${hex(fieldControl, 4)} sets bits no OTA header field is defined for`, { field: 'OTA header field control', offset: 8 });
  }
  const implied = headerLengthFor(fieldControl);
  if (headerLength !== implied) {
    throw new FirmwareError('BAD_HEADER_LENGTH', `header length ${headerLength} disagrees with the ${implied} octets its field control 0x${hex(fieldControl, 4)} lays out`, { field: 'OTA header length', offset: 6 });
  }
  const header: OtaHeader = {
    headerVersion,
    headerLength,
    fieldControl,
    manufacturerCode: uint(bytes, fixed('manufacturerCode')),
    imageType: uint(bytes, fixed('imageType')),
    fileVersion: uint(bytes, fixed('fileVersion')),
    stackVersion: uint(bytes, fixed('stackVersion')),
    headerString: (need(bytes, 20, HEADER_STRING_LENGTH, 'header string'), Buffer.from(bytes.subarray(20, 20 + HEADER_STRING_LENGTH))),
    totalImageSize: uint(bytes, fixed('totalImageSize')),
  };
  let at = FIXED_LENGTH;
  for (const field of OPTIONAL_FIELDS) {
    if (!(fieldControl & field.bit)) continue;
    need(bytes, at, field.width, field.name);
    if (field.key === 'securityCredentialVersion') header.securityCredentialVersion = bytes[at]!;
    if (field.key === 'destination') header.destination = eui64FromWire(bytes.subarray(at, at + 8));
    if (field.key === 'hardwareVersions') {
      const min = bytes.readUInt16LE(at);
      const max = bytes.readUInt16LE(at + 2);
      if (min > max) throw new FirmwareError('BAD_HARDWARE_RANGE', `minimum hardware version 0x${hex(min, 4)} is above the maximum 0x${hex(max, 4)}`, { field: field.name, offset: at });
      header.hardwareVersions = { min, max };
    }
    at += field.width;
  }
  return header;
}

/** The fields an image's author chooses; the header length and field control follow from them. */
export type OtaHeaderFields = Omit<OtaHeader, 'headerVersion' | 'headerLength' | 'fieldControl' | 'totalImageSize'>;

export function fieldControlFor(fields: Pick<OtaHeader, 'securityCredentialVersion' | 'destination' | 'hardwareVersions'>): number {
  return OPTIONAL_FIELDS.reduce((bits, field) => bits | (fields[field.key] === undefined ? 0 : field.bit), 0);
}

/** The header for `fields` in an image of `totalImageSize` octets. */
export function encodeOtaHeader(fields: OtaHeaderFields, totalImageSize: number): Buffer {
  const fieldControl = fieldControlFor(fields);
  const out = Buffer.alloc(headerLengthFor(fieldControl));
  const values: Record<FixedField['key'], number | Buffer> = {
    magic: OTA_MAGIC,
    headerVersion: OTA_HEADER_VERSION,
    headerLength: out.length,
    fieldControl,
    manufacturerCode: fields.manufacturerCode,
    imageType: fields.imageType,
    fileVersion: fields.fileVersion,
    stackVersion: fields.stackVersion,
    headerString: fields.headerString,
    totalImageSize,
  };
  for (const field of FIXED_FIELDS) {
    const value = values[field.key];
    if (Buffer.isBuffer(value)) {
      if (value.length !== field.width) throw new FirmwareError('BAD_FIELD', `the ${field.name} must be ${field.width} octets, not ${value.length}`, { field: field.name });
      value.copy(out, field.offset);
    } else {
      if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * field.width)) {
        throw new FirmwareError('BAD_FIELD', `${value} does not fit the ${field.name} (${field.width} octets)`, { field: field.name });
      }
      out.writeUIntLE(value, field.offset, field.width);
    }
  }
  let at = FIXED_LENGTH;
  if (fields.securityCredentialVersion !== undefined) at = out.writeUInt8(fields.securityCredentialVersion, at);
  if (fields.destination !== undefined) at += eui64ToWire(fields.destination).copy(out, at);
  if (fields.hardwareVersions !== undefined) {
    const { min, max } = fields.hardwareVersions;
    if (min > max) throw new FirmwareError('BAD_HARDWARE_RANGE', `minimum hardware version ${min} is above the maximum ${max}`, { field: 'minimum/maximum hardware version' });
    out.writeUInt16LE(max, out.writeUInt16LE(min, at));
  }
  return out;
}

export function hex(value: number, digits: number): string {
  return value.toString(16).toUpperCase().padStart(digits, '0');
}
