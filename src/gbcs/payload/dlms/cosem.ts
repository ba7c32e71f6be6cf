/**
 * The COSEM names GBCS uses, as data: interface classes with their attribute and method names,
 * the logical names (OBIS) of the objects the hub and the meters expose, access results and the
 * alert codes found in DLMS notifications. Attribute 1 (logical_name) is never accessed by GBCS.
 */
export interface CosemClass {
  name: string;
  /** Names of attributes 2, 3, ... */
  attributes: readonly string[];
  /** Names of methods 1, 2, ... */
  methods: readonly string[];
}

export const COSEM_CLASS = {
  data: 1,
  register: 3,
  profileGeneric: 7,
  dataProtection: 30,
  zigbeeNetworkControl: 104,
} as const;

export const COSEM_CLASSES: ReadonlyMap<number, CosemClass> = new Map([
  [1, { name: 'Data', attributes: ['value'], methods: [] }],
  [3, { name: 'Register', attributes: ['value', 'scaler_unit'], methods: ['reset'] }],
  [7, { name: 'Profile generic', attributes: ['buffer', 'capture_objects', 'capture_period', 'sort_method', 'sort_object', 'entries_in_use', 'profile_entries'], methods: ['reset', 'capture'] }],
  [30, { name: 'Data protection', attributes: [], methods: ['get_protected_attributes', 'set_protected_attributes', 'invoke_protected_method'] }],
  [104, {
    name: 'ZigBee network control',
    attributes: ['enable_disable_joining', 'join_timeout', 'active_devices'],
    methods: ['register_device', 'unregister_device', 'unregister_all_devices', 'backup_PAN', 'restore_PAN', 'identify_device', 'remove_mirror', 'update_network_key', 'update_link_key', 'create_PAN', 'remove_PAN'],
  }],
]);

/** Logical names of the objects that appear in GBCS use cases. */
export const OBIS = {
  chfDeviceLog: '0-0:30.3.0.255',
  chfHistoricDeviceLog: '0-0:30.3.1.255',
  eventLog: '0-0:99.98.0.255',
  securityLog: '0-0:99.98.1.255',
  subGhzConfiguration: '0-0:94.44.10.0',
  subGhzChannelScan: '0-0:94.44.10.1',
  subGhzChannel: '0-0:94.44.10.2',
  utcTime: '0-0:94.44.100.255',
} as const;

export const OBJECT_NAMES: ReadonlyMap<string, string> = new Map([
  [OBIS.chfDeviceLog, 'CHF Device Log'],
  [OBIS.chfHistoricDeviceLog, 'CHF Historic Device Log'],
  [OBIS.eventLog, 'Event Log'],
  [OBIS.securityLog, 'Security Log'],
  [OBIS.subGhzConfiguration, 'Sub GHz Configuration'],
  [OBIS.subGhzChannelScan, 'CHF Sub GHz Channel Scan'],
  [OBIS.subGhzChannel, 'Operating Sub GHz Channel'],
  ['0-0:43.2.8.255', 'Import Register Collection'],
  ['1-0:2.8.0.255', 'Active Export Register'],
  ['1-0:4.8.0.255', 'Reactive Export Register'],
]);

/** Data-Access-Result and Action-Result share these values. */
export const ACCESS_RESULTS: ReadonlyMap<number, string> = new Map([
  [0, 'success'],
  [1, 'hardware-fault'],
  [2, 'temporary-failure'],
  [3, 'read-write-denied'],
  [4, 'object-undefined'],
  [9, 'object-class-inconsistent'],
  [11, 'object-unavailable'],
  [12, 'type-unmatched'],
  [13, 'scope-of-access-violated'],
  [14, 'data-block-unavailable'],
  [15, 'long-operation-aborted'],
  [16, 'no-long-operation-in-progress'],
  [250, 'other-reason'],
]);

/** Alert codes raised by the use cases in this layer. */
export const ALERT_CODES: ReadonlyMap<number, string> = new Map([
  [0x8f12, 'CHF Device Log Changed'],
  [0x8f26, 'Sub GHz Channel Changed'],
  [0x8f2a, 'Sub GHz Configuration Changed'],
  [0x8f66, 'Future-dated execution of instruction succeeded'],
  [0x8f67, 'Future-dated execution of instruction failed'],
  [0x8f8a, 'Firmware Transfer: success'],
  [0x8071, 'GPF Device Log Changed'],
]);

export function memberName(classId: number, kind: 'attribute' | 'method', member: number): string | undefined {
  const cosemClass = COSEM_CLASSES.get(classId);
  if (!cosemClass) return undefined;
  return kind === 'method' ? cosemClass.methods[member - 1] : member === 1 ? 'logical_name' : cosemClass.attributes[member - 2];
}
