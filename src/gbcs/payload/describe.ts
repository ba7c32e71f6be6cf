import { formatDateTime, type DlmsDateTime } from '../date-time.js';
import { ACCESS_RESULTS, ALERT_CODES, COSEM_CLASSES, OBJECT_NAMES, memberName } from './dlms/cosem.js';
import { CLUSTERS } from './gbz/clusters.js';
import { ZCL_STATUS_NAMES } from '../../../hal/zcl/index.js';
import { hex4 } from './reader.js';
import type { DecodedPayload } from './types.js';

/**
 * A decoded payload for people (indented "name: value" lines, with the tables' names beside the
 * numbers) and for JSON (Buffers as hex, bigints as decimal strings, dates as ISO text).
 */
const DATE_TIME_KEYS = ['year', 'month', 'day', 'dayOfWeek', 'hour', 'minute', 'second', 'hundredths', 'deviation', 'clockStatus'];

function isDateTime(value: object): value is DlmsDateTime {
  const keys = Object.keys(value);
  return keys.length === DATE_TIME_KEYS.length && DATE_TIME_KEYS.every((key) => keys.includes(key));
}

function isReference(value: object): value is { classId: number; instance: string; member: number } {
  return 'classId' in value && 'instance' in value && 'member' in value && typeof (value as { instance: unknown }).instance === 'string';
}

const DEVICE_TYPES = ['GSME', 'ESME', 'CHF', 'GPF', 'HCALCS', 'PPMID', 'Type 2'];

/** Names for numbers whose meaning the key tells. */
const NAMED: Readonly<Record<string, (value: number) => string | undefined>> = {
  result: (value) => ACCESS_RESULTS.get(value),
  alertCode: (value) => `0x${hex4(value)}${ALERT_CODES.has(value) ? ` ${ALERT_CODES.get(value)}` : ''}`,
  clusterId: (value) => `0x${hex4(value)}${CLUSTERS.has(value) ? ` ${CLUSTERS.get(value)!.name}` : ''}`,
  attributeId: (value) => `0x${hex4(value)}`,
  messageCode: (value) => `0x${hex4(value)}`,
  status: (value) => ZCL_STATUS_NAMES.get(value),
  deviceType: (value) => DEVICE_TYPES[value],
  invokeId: (value) => `0x${value.toString(16).toUpperCase().padStart(8, '0')}`,
};

function scalar(key: string, value: unknown): string | undefined {
  if (Buffer.isBuffer(value)) return value.length === 0 ? '(empty)' : value.toString('hex');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    const name = NAMED[key]?.(value);
    if (name === undefined) return String(value);
    return name.startsWith('0x') ? name : `${value} (${name})`;
  }
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  return undefined;
}

function reference(target: { classId: number; instance: string; member: number }): string {
  const cosemClass = COSEM_CLASSES.get(target.classId)?.name ?? `class ${target.classId}`;
  const object = OBJECT_NAMES.get(target.instance);
  const member = memberName(target.classId, 'attribute', target.member);
  return `${cosemClass} ${target.instance}${object ? ` (${object})` : ''} member ${target.member}${member ? ` (${member} if an attribute)` : ''}`;
}

function lines(key: string, value: unknown, indent: string, out: string[]): void {
  if (value === undefined || key === 'at') return;
  const text = scalar(key, value);
  if (text !== undefined) {
    out.push(`${indent}${key}: ${text}`);
    return;
  }
  if (Array.isArray(value)) {
    out.push(`${indent}${key}: ${value.length === 0 ? '(none)' : `${value.length} item${value.length === 1 ? '' : 's'}`}`);
    value.forEach((item, i) => lines(`[${i}]`, item, `${indent}  `, out));
    return;
  }
  const object = value as object;
  if (isDateTime(object)) {
    out.push(`${indent}${key}: ${formatDateTime(object)}`);
    return;
  }
  if (isReference(object)) {
    out.push(`${indent}${key}: ${reference(object)}`);
    return;
  }
  out.push(`${indent}${key}:`);
  for (const [name, item] of Object.entries(object)) lines(name, item, `${indent}  `, out);
}

/** Indented lines: the typed view when there is one, else the generic tree. */
export function describePayload(decoded: DecodedPayload): string[] {
  const out: string[] = [];
  if (decoded.view) lines(`${decoded.view.useCase} ${decoded.view.cra}`, decoded.view.value, '', out);
  else lines(`${decoded.format} (no typed view)`, decoded.generic.tree, '', out);
  return out;
}

/** Indented lines for any value under a heading (e.g. a decrypted ZCL payload). */
export function describeValue(heading: string, value: unknown): string[] {
  const out: string[] = [];
  lines(heading, value, '', out);
  return out;
}

/** A JSON-safe copy: Buffers as hex, bigints as strings, dates as ISO text, offsets left out. */
export function payloadToJson(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(payloadToJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([key, item]) => key !== 'at' && item !== undefined).map(([key, item]) => [key, payloadToJson(item)]));
  }
  return value;
}
