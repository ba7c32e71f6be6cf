import { PayloadError } from '../errors.js';
import { COSEM_CLASS, OBIS } from './cosem.js';
import {
  anyData,
  array,
  bitString,
  boolean,
  compactArray,
  dateTime,
  doubleLongUnsigned,
  enumeration,
  eui64,
  longUnsigned,
  none,
  octets,
  signedInteger,
  struct,
  unsigned,
  type BitString,
  type Shape,
  type ShapeValue,
} from './shape.js';
import type { IntegerType } from './types.js';
import { AccessUseCase, AlertUseCase, step } from './views.js';

/**
 * The CHF's DLMS use cases, declared as data: the objects each command touches (class 104
 * "ZigBee network control" on the CHF Device Log, the Event Log, the Sub GHz objects) and the
 * shapes of the values they carry.
 */
const deviceLog = (member: number) => ({ classId: COSEM_CLASS.zigbeeNetworkControl, instance: OBIS.chfDeviceLog, member });

/** register_device's parameter in CCS01. */
export const deviceRegistration = struct({
  deviceId: eui64,
  /** GBCS Device Type (0 GSME, 1 ESME, 2 CHF, 3 GPF, 4 HCALCS, 5 PPMID, 6 Type 2). */
  deviceType: enumeration,
  /** The install code as the command carries it (personal: never log it). */
  installCode: octets(),
  /** A fourth enumerated member GBCS sends (0 in the RTDS); kept so the command re-encodes exactly. */
  option: enumeration,
});
export type DeviceRegistration = ShapeValue<typeof deviceRegistration>;

/** One entry of active_devices (class 104 attribute 4): what CCS06 reports per Device. */
export const activeDevice = struct({
  deviceId: eui64,
  status: bitString,
  maxRssi: signedInteger,
  averageRssi: signedInteger,
  minRssi: signedInteger,
  maxLqi: unsigned,
  averageLqi: unsigned,
  minLqi: unsigned,
  lastCommunication: dateTime,
  numberOfHops: unsigned,
  transmissionFailures: unsigned,
  transmissionSuccesses: unsigned,
  applicationVersion: unsigned,
  stackVersion: unsigned,
});
export type ActiveDevice = ShapeValue<typeof activeDevice>;

/** backup_PAN's result (CCS07) and the CS14 alert body: the log with each Device's hashed TC link key. */
export const deviceLogBackup = struct({
  backupDateTime: dateTime,
  extendedPanId: octets(8),
  devices: array(
    struct({
      deviceId: eui64,
      /** Empty until the Device has established a TC link key. */
      hashedTcLinkKey: octets(),
    }),
  ),
});
export type DeviceLogBackup = ShapeValue<typeof deviceLogBackup>;

/** The range descriptor (access selector 1) ECS35c reads the Event Log with. */
export const eventLogRange = struct({
  restrictingObject: struct({ classId: longUnsigned, logicalName: octets(6), attributeIndex: signedInteger, dataIndex: longUnsigned }),
  from: doubleLongUnsigned,
  to: doubleLongUnsigned,
  selectedValues: array(anyData),
});

export const eventLogEntry = struct({
  /** Seconds since 2000-01-01T00:00:00Z. */
  time: doubleLongUnsigned,
  eventCode: longUnsigned,
  /** Octets some events carry (empty for most). */
  eventData: octets(),
});
export type EventLogEntry = ShapeValue<typeof eventLogEntry>;

const eventLogEntries = compactArray(eventLogEntry, {
  type: 'structure',
  items: [{ type: 'double-long-unsigned' }, { type: 'long-unsigned' }, { type: 'octet-string' }],
});

/** A Security Log entry carries no octets: {time, event code}. */
export const securityLogEntry = struct({
  /** Seconds since 2000-01-01T00:00:00Z. */
  time: doubleLongUnsigned,
  eventCode: longUnsigned,
});
export type SecurityLogEntry = ShapeValue<typeof securityLogEntry>;

const securityLogEntries = compactArray(securityLogEntry, { type: 'structure', items: [{ type: 'double-long-unsigned' }, { type: 'long-unsigned' }] });

/** A numeric member and the DLMS type it travels as, for structures whose member names are not established here. */
export interface TypedNumber {
  type: IntegerType;
  value: number;
}

const INTEGER_TYPES: readonly IntegerType[] = ['integer', 'long', 'double-long', 'unsigned', 'long-unsigned', 'double-long-unsigned', 'enum', 'bcd'];

export interface SubGhzConfiguration {
  /** The four channel masks, as bit strings. */
  channelMasks: BitString[];
  /** The thresholds and timers that follow, in order, with their DLMS types. */
  settings: TypedNumber[];
}

const CHANNEL_MASKS = 4;

/** The Sub GHz Configuration object's value (DBCH03 reads it, DBCH04 sets it, DBCH09 reports it). */
export const subGhzConfiguration: Shape<SubGhzConfiguration> = {
  decode: (node, field) => {
    if (node.type !== 'structure' || node.items.length < CHANNEL_MASKS) {
      throw new PayloadError('BAD_VALUE', field, 'expected a structure of four channel masks and settings', node.at);
    }
    const channelMasks = node.items.slice(0, CHANNEL_MASKS).map((item, i) => bitString.decode(item, `${field}.channelMasks[${i}]`));
    const settings = node.items.slice(CHANNEL_MASKS).map((item, i): TypedNumber => {
      if (!(INTEGER_TYPES as readonly string[]).includes(item.type)) {
        throw new PayloadError('BAD_VALUE', `${field}.settings[${i}]`, `expected an integer type, found ${item.type}`, item.at);
      }
      return { type: item.type as IntegerType, value: (item as { value: number }).value };
    });
    return { channelMasks, settings };
  },
  encode: (value, field) => ({
    type: 'structure',
    items: [
      ...value.channelMasks.map((mask, i) => bitString.encode(mask, `${field}.channelMasks[${i}]`)),
      ...value.settings.map((setting) => ({ type: setting.type, value: setting.value })),
    ],
  }),
};

export const subGhzChannelChange = struct({
  channel: bitString,
  /** One octet the alert carries after the channel (0x00 in the RTDS). */
  detail: octets(),
});

export const CCS01 = new AccessUseCase('CCS01', {
  registerDevice: step({ kind: 'action', target: deviceLog(1), request: deviceRegistration, response: none }),
  joinTimeout: step({ kind: 'set', target: deviceLog(3), request: longUnsigned, response: none }),
  joiningEnabled: step({ kind: 'set', target: deviceLog(2), request: boolean, response: none }),
});

export const CCS02 = new AccessUseCase('CCS02', {
  unregisterDevice: step({ kind: 'action', target: deviceLog(2), request: eui64, response: none }),
});

export const CCS06 = new AccessUseCase('CCS06', {
  activeDevices: step({ kind: 'get', target: deviceLog(4), request: none, response: array(activeDevice) }),
});

/** Message Code 0x0004 (CCS04, and CCS05 with its HAN communications check) reads what CCS06 reads. */
export const CCS04 = new AccessUseCase('CCS04', CCS06.steps);

export const CCS07 = new AccessUseCase('CCS07', {
  deviceLog: step({ kind: 'action', target: deviceLog(4), request: none, response: deviceLogBackup }),
  historicDeviceLog: step({
    kind: 'action',
    target: { classId: COSEM_CLASS.zigbeeNetworkControl, instance: OBIS.chfHistoricDeviceLog, member: 4 },
    request: none,
    response: deviceLogBackup,
  }),
});

/** restore_PAN's argument: backup_PAN's structure without its date-time (the extended PAN id, then the Devices with hashed keys). */
export const deviceLogRestore = struct({
  extendedPanId: octets(8),
  devices: array(struct({ deviceId: eui64, hashedTcLinkKey: octets() })),
});
export type DeviceLogRestore = ShapeValue<typeof deviceLogRestore>;

export const CCS03 = new AccessUseCase('CCS03', {
  restorePan: step({ kind: 'action', target: deviceLog(5), request: deviceLogRestore, response: none }),
});

/** A log's buffer (profile generic attribute 2) read by a time range: access selector 1. */
const logRange = <E>(instance: string, entries: Shape<E[]>) =>
  step({ kind: 'get-with-selection', target: { classId: COSEM_CLASS.profileGeneric, instance, member: 2 }, selector: 1, request: eventLogRange, response: entries });

export const ECS35c = new AccessUseCase('ECS35c', { eventLog: logRange(OBIS.eventLog, eventLogEntries) });

/** ECS35d reads the Security Log's buffer as ECS35c reads the Event Log's. */
export const ECS35d = new AccessUseCase('ECS35d', { eventLog: logRange(OBIS.securityLog, securityLogEntries) });

const subGhz = (instance: string) => ({ classId: COSEM_CLASS.data, instance, member: 2 });

export const DBCH01 = new AccessUseCase('DBCH01', {
  channel: step({ kind: 'get', target: subGhz(OBIS.subGhzChannel), request: none, response: bitString }),
});

export const DBCH03 = new AccessUseCase('DBCH03', {
  configuration: step({ kind: 'get', target: subGhz(OBIS.subGhzConfiguration), request: none, response: subGhzConfiguration }),
});

export const DBCH04 = new AccessUseCase('DBCH04', {
  configuration: step({ kind: 'set', target: subGhz(OBIS.subGhzConfiguration), request: subGhzConfiguration, response: none }),
});

export const CS14 = new AlertUseCase('CS14', [0x8f12], deviceLogBackup);
export const DBCH07 = new AlertUseCase('DBCH07', [0x8f26], subGhzChannelChange);
export const DBCH09 = new AlertUseCase('DBCH09', [0x8f2a], subGhzConfiguration);

/** Seconds since 2000-01-01T00:00:00Z (the epoch of GBCS UTC times) to a Date. */
export function gbcsUtcToDate(seconds: number): Date {
  return new Date(Date.UTC(2000, 0, 1) + seconds * 1000);
}
