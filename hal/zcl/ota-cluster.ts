import { eui64FromWire, eui64ToWire } from '../eui64.js';
import type { Eui64 } from '../radio.js';
import { CLUSTER } from './constants.js';
import { ZclError } from './errors.js';

/**
 * The ZigBee OTA Upgrade cluster (0x0019) commands, as a table both ends speak (the hub's server in
 * src/firmware, the simulated Devices' clients in hal/sim): each
 * command's id, direction and fields in order, a field present only when its condition on an
 * earlier field holds. One codec reads and writes them all.
 */
export const OTA_CLUSTER_ID = CLUSTER.ota;

/** ZCL status codes the OTA exchange uses. */
export const OTA_STATUS = { success: 0x00, abort: 0x95, notAuthorized: 0x7e, invalidImage: 0x96, waitForData: 0x97, noImageAvailable: 0x98, requireMoreImage: 0x99 } as const;

type FieldType = 'uint8' | 'uint16' | 'uint32' | 'eui64' | 'octets';

interface Field {
  name: string;
  type: FieldType;
  /** Present only when this holds of the fields read so far. */
  when?: (fields: Readonly<Record<string, OtaValue>>) => boolean;
}

export type OtaValue = number | Eui64 | Buffer;

const bitSet = (field: string, mask: number) => (fields: Readonly<Record<string, OtaValue>>) => ((fields[field] as number) & mask) !== 0;
const isSuccess = (fields: Readonly<Record<string, OtaValue>>) => fields['status'] === OTA_STATUS.success;
const isWait = (fields: Readonly<Record<string, OtaValue>>) => fields['status'] === OTA_STATUS.waitForData;
const payloadAbove = (value: number) => (fields: Readonly<Record<string, OtaValue>>) => (fields['payloadType'] as number) > value;

export const OTA_COMMANDS = {
  imageNotify: { id: 0x00, direction: 'serverToClient', fields: [
    { name: 'payloadType', type: 'uint8' },
    { name: 'queryJitter', type: 'uint8' },
    { name: 'manufacturerCode', type: 'uint16', when: payloadAbove(0) },
    { name: 'imageType', type: 'uint16', when: payloadAbove(1) },
    { name: 'fileVersion', type: 'uint32', when: payloadAbove(2) },
  ] },
  queryNextImageRequest: { id: 0x01, direction: 'clientToServer', fields: [
    { name: 'fieldControl', type: 'uint8' },
    { name: 'manufacturerCode', type: 'uint16' },
    { name: 'imageType', type: 'uint16' },
    { name: 'fileVersion', type: 'uint32' },
    { name: 'hardwareVersion', type: 'uint16', when: bitSet('fieldControl', 0x01) },
  ] },
  queryNextImageResponse: { id: 0x02, direction: 'serverToClient', fields: [
    { name: 'status', type: 'uint8' },
    { name: 'manufacturerCode', type: 'uint16', when: isSuccess },
    { name: 'imageType', type: 'uint16', when: isSuccess },
    { name: 'fileVersion', type: 'uint32', when: isSuccess },
    { name: 'imageSize', type: 'uint32', when: isSuccess },
  ] },
  imageBlockRequest: { id: 0x03, direction: 'clientToServer', fields: [
    { name: 'fieldControl', type: 'uint8' },
    { name: 'manufacturerCode', type: 'uint16' },
    { name: 'imageType', type: 'uint16' },
    { name: 'fileVersion', type: 'uint32' },
    { name: 'fileOffset', type: 'uint32' },
    { name: 'maximumDataSize', type: 'uint8' },
    { name: 'requestNodeAddress', type: 'eui64', when: bitSet('fieldControl', 0x01) },
    { name: 'minimumBlockPeriod', type: 'uint16', when: bitSet('fieldControl', 0x02) },
  ] },
  imageBlockResponse: { id: 0x05, direction: 'serverToClient', fields: [
    { name: 'status', type: 'uint8' },
    { name: 'manufacturerCode', type: 'uint16', when: isSuccess },
    { name: 'imageType', type: 'uint16', when: isSuccess },
    { name: 'fileVersion', type: 'uint32', when: isSuccess },
    { name: 'fileOffset', type: 'uint32', when: isSuccess },
    { name: 'data', type: 'octets', when: isSuccess },
    { name: 'currentTime', type: 'uint32', when: isWait },
    { name: 'requestTime', type: 'uint32', when: isWait },
    { name: 'minimumBlockPeriod', type: 'uint16', when: isWait },
  ] },
  upgradeEndRequest: { id: 0x06, direction: 'clientToServer', fields: [
    { name: 'status', type: 'uint8' },
    { name: 'manufacturerCode', type: 'uint16' },
    { name: 'imageType', type: 'uint16' },
    { name: 'fileVersion', type: 'uint32' },
  ] },
  upgradeEndResponse: { id: 0x07, direction: 'serverToClient', fields: [
    { name: 'manufacturerCode', type: 'uint16' },
    { name: 'imageType', type: 'uint16' },
    { name: 'fileVersion', type: 'uint32' },
    { name: 'currentTime', type: 'uint32' },
    { name: 'upgradeTime', type: 'uint32' },
  ] },
} as const satisfies Record<string, { id: number; direction: 'clientToServer' | 'serverToClient'; fields: readonly Field[] }>;

export type OtaCommandName = keyof typeof OTA_COMMANDS;
export type OtaFields = Record<string, OtaValue>;

const WIDTH: Record<Exclude<FieldType, 'octets'>, number> = { uint8: 1, uint16: 2, uint32: 4, eui64: 8 };

export function encodeOtaCommand(name: OtaCommandName, fields: Readonly<OtaFields>): Buffer {
  const parts: Buffer[] = [];
  for (const field of OTA_COMMANDS[name].fields as readonly Field[]) {
    if (field.when && !field.when(fields)) continue;
    const value = fields[field.name];
    if (value === undefined) throw new ZclError('ZCL_BAD_VALUE', `${name} needs ${field.name}`);
    if (field.type === 'octets') {
      const data = value as Buffer;
      if (data.length > 0xff) throw new ZclError('ZCL_BAD_LENGTH', `${name}'s ${field.name} holds at most 255 octets`);
      parts.push(Buffer.from([data.length]), data);
    } else if (field.type === 'eui64') parts.push(eui64ToWire(value as Eui64));
    else {
      const out = Buffer.alloc(WIDTH[field.type]);
      out.writeUIntLE(value as number, 0, out.length);
      parts.push(out);
    }
  }
  return Buffer.concat(parts);
}

/** Reads a command's payload; throws a ZclError naming the field and its offset when it is short. */
export function decodeOtaCommand(name: OtaCommandName, payload: Buffer): OtaFields {
  const fields: OtaFields = {};
  let at = 0;
  for (const field of OTA_COMMANDS[name].fields as readonly Field[]) {
    if (field.when && !field.when(fields)) continue;
    const width = field.type === 'octets' ? 1 + (payload[at] ?? 0) : WIDTH[field.type];
    if (at + width > payload.length) throw new ZclError('ZCL_TRUNCATED', `${name} ends at ${payload.length} octets, inside ${field.name}`, { offset: at });
    if (field.type === 'octets') fields[field.name] = Buffer.from(payload.subarray(at + 1, at + width));
    else if (field.type === 'eui64') fields[field.name] = eui64FromWire(payload.subarray(at, at + 8));
    else fields[field.name] = payload.readUIntLE(at, width);
    at += width;
  }
  return fields;
}

export function otaCommandById(id: number, direction: 'clientToServer' | 'serverToClient'): OtaCommandName | undefined {
  return (Object.keys(OTA_COMMANDS) as OtaCommandName[]).find((name) => OTA_COMMANDS[name].id === id && OTA_COMMANDS[name].direction === direction);
}
