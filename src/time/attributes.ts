import type { ZclDataTypeName } from '../../hal/zcl/data-types.js';

/**
 * The ZigBee Time cluster (0x000A) attributes the hub serves, as a table. Times are ZigBee UTC
 * time: seconds since 2000-01-01T00:00:00Z; 0xFFFFFFFF means "not known".
 */
export const TIME_ATTRIBUTES = [
  { id: 0x0000, name: 'time', type: 'utcTime' },
  { id: 0x0001, name: 'timeStatus', type: 'bitmap8' },
  { id: 0x0002, name: 'timeZone', type: 'int32' },
  { id: 0x0003, name: 'dstStart', type: 'uint32' },
  { id: 0x0004, name: 'dstEnd', type: 'uint32' },
  { id: 0x0005, name: 'dstShift', type: 'int32' },
  { id: 0x0006, name: 'standardTime', type: 'uint32' },
  { id: 0x0007, name: 'localTime', type: 'uint32' },
  { id: 0x0008, name: 'lastSetTime', type: 'utcTime' },
  { id: 0x0009, name: 'validUntilTime', type: 'utcTime' },
] as const satisfies ReadonlyArray<{ id: number; name: string; type: ZclDataTypeName }>;

export type TimeAttributeName = (typeof TIME_ATTRIBUTES)[number]['name'];
export type TimeAttributeValues = Record<TimeAttributeName, number>;

/** TimeStatus bits. */
export const TIME_STATUS_BITS = {
  master: 0x01,
  synchronised: 0x02,
  masterZoneDst: 0x04,
  superseding: 0x08,
} as const;

export const ZIGBEE_EPOCH_MS = Date.UTC(2000, 0, 1);
export const UNKNOWN_TIME = 0xffffffff;

/** UTC ms to ZigBee UTC time (whole seconds since 2000); UNKNOWN_TIME outside what it can hold. */
export function toZigbeeTime(utcMs: number): number {
  const seconds = Math.floor((utcMs - ZIGBEE_EPOCH_MS) / 1000);
  return seconds >= 0 && seconds < UNKNOWN_TIME ? seconds : UNKNOWN_TIME;
}

export function fromZigbeeTime(seconds: number): number | undefined {
  return seconds === UNKNOWN_TIME ? undefined : ZIGBEE_EPOCH_MS + seconds * 1000;
}
