import { decodeValue, dataTypeById, encodeValue, type ZclValue } from './data-types.js';
import { ZclError } from './errors.js';
import { ZCL_STATUS } from './constants.js';

/** Payloads of the global Read Attributes command and its response, and of the Default Response. */

/** Read Attributes: a list of 16-bit attribute ids. */
export function encodeReadAttributes(attributeIds: readonly number[]): Buffer {
  const out = Buffer.alloc(2 * attributeIds.length);
  attributeIds.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id > 0xffff) throw new ZclError('ZCL_BAD_VALUE', `attribute id ${id} is not 0..0xFFFF`);
    out.writeUInt16LE(id, 2 * i);
  });
  return out;
}

export function decodeReadAttributes(payload: Buffer): number[] {
  if (payload.length % 2 !== 0) {
    throw new ZclError('ZCL_BAD_LENGTH', `a Read Attributes payload is pairs of bytes; ${payload.length} bytes leaves one over`, { offset: payload.length - 1 });
  }
  const ids: number[] = [];
  for (let at = 0; at < payload.length; at += 2) ids.push(payload.readUInt16LE(at));
  return ids;
}

export type ReadAttributeRecord =
  | { attributeId: number; status: typeof ZCL_STATUS.success; dataType: number; value: ZclValue }
  | { attributeId: number; status: number };

export function encodeReadAttributesResponse(records: readonly ReadAttributeRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const record of records) {
    const head = Buffer.alloc(3);
    head.writeUInt16LE(record.attributeId, 0);
    head[2] = record.status;
    parts.push(head);
    if ('value' in record) {
      const type = dataTypeById(record.dataType);
      if (!type) throw new ZclError('ZCL_UNKNOWN_DATA_TYPE', `data type 0x${record.dataType.toString(16)} is not in the table`);
      parts.push(Buffer.of(type.id), encodeValue(type, record.value));
    }
  }
  return Buffer.concat(parts);
}

export function decodeReadAttributesResponse(payload: Buffer): ReadAttributeRecord[] {
  const records: ReadAttributeRecord[] = [];
  let at = 0;
  while (at < payload.length) {
    if (at + 3 > payload.length) throw new ZclError('ZCL_TRUNCATED', 'an attribute record needs an id and a status', { offset: at });
    const attributeId = payload.readUInt16LE(at);
    const status = payload[at + 2]!;
    at += 3;
    if (status !== ZCL_STATUS.success) {
      records.push({ attributeId, status });
      continue;
    }
    if (at >= payload.length) throw new ZclError('ZCL_TRUNCATED', 'a successful attribute record needs a data type', { offset: at });
    const type = dataTypeById(payload[at]!);
    if (!type) throw new ZclError('ZCL_UNKNOWN_DATA_TYPE', `data type 0x${payload[at]!.toString(16)} is not in the table`, { offset: at });
    const { value, length } = decodeValue(type, payload, at + 1);
    records.push({ attributeId, status, dataType: type.id, value });
    at += 1 + length;
  }
  return records;
}

/** Default Response: the command id it answers and a status. */
export function encodeDefaultResponse(commandId: number, status: number): Buffer {
  return Buffer.of(commandId, status);
}

export function decodeDefaultResponse(payload: Buffer): { commandId: number; status: number } {
  if (payload.length !== 2) throw new ZclError('ZCL_BAD_LENGTH', `a Default Response payload is 2 bytes, got ${payload.length}`, { offset: 0 });
  return { commandId: payload[0]!, status: payload[1]! };
}
