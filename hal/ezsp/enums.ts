import { FIRST_SL_STATUS_VERSION } from './wire-types.js';

/**
 * EZSP and EmberZNet constants as data. Each table maps a name to its wire value; `nameOf`
 * turns a value back into a name for logs and errors.
 */

/** Status of the EZSP conversation itself (invalidCommand reasons, host-side failures). */
export const EzspStatus = {
  SUCCESS: 0x00,
  SPI_ERR_FATAL: 0x10,
  SPI_ERR_NCP_RESET: 0x11,
  ASH_IN_PROGRESS: 0x20,
  HOST_FATAL_ERROR: 0x21,
  ASH_NCP_FATAL_ERROR: 0x22,
  DATA_FRAME_TOO_LONG: 0x23,
  DATA_FRAME_TOO_SHORT: 0x24,
  NO_TX_SPACE: 0x25,
  NO_RX_SPACE: 0x26,
  NO_RX_DATA: 0x27,
  NOT_CONNECTED: 0x28,
  ERROR_VERSION_NOT_SET: 0x30,
  ERROR_INVALID_FRAME_ID: 0x31,
  ERROR_WRONG_DIRECTION: 0x32,
  ERROR_TRUNCATED: 0x33,
  ERROR_OVERFLOW: 0x34,
  ERROR_OUT_OF_MEMORY: 0x35,
  ERROR_INVALID_VALUE: 0x36,
  ERROR_INVALID_ID: 0x37,
  ERROR_INVALID_CALL: 0x38,
  ERROR_NO_RESPONSE: 0x39,
  ERROR_COMMAND_TOO_LONG: 0x40,
  ERROR_QUEUE_FULL: 0x41,
  ERROR_COMMAND_FILTERED: 0x42,
  ERROR_SECURITY_KEY_ALREADY_SET: 0x43,
  ERROR_SECURITY_TYPE_INVALID: 0x44,
  ERROR_SECURITY_PARAMETERS_INVALID: 0x45,
  ERROR_SECURITY_PARAMETERS_ALREADY_SET: 0x46,
  ERROR_SECURITY_KEY_NOT_SET: 0x47,
  ERROR_SECURITY_PARAMETERS_NOT_SET: 0x48,
  ERROR_UNSUPPORTED_CONTROL: 0x49,
  ERROR_UNSECURE_FRAME: 0x4a,
  ASH_ERROR_VERSION: 0x50,
  ASH_ERROR_TIMEOUTS: 0x51,
  ASH_ERROR_RESET_FAIL: 0x52,
  ASH_ERROR_NCP_RESET: 0x53,
  ERROR_SERIAL_INIT: 0x54,
  ASH_ERROR_NCP_TYPE: 0x55,
  ASH_ERROR_RESET_METHOD: 0x56,
  ASH_ERROR_XON_XOFF: 0x57,
  ASH_STARTED: 0x70,
  ASH_CONNECTED: 0x71,
  ASH_DISCONNECTED: 0x72,
  ASH_ACK_TIMEOUT: 0x73,
  ASH_CANCELLED: 0x74,
  ASH_OUT_OF_SEQUENCE: 0x75,
  ASH_BAD_CRC: 0x76,
  ASH_COMM_ERROR: 0x77,
  ASH_BAD_ACKNUM: 0x78,
  ASH_TOO_SHORT: 0x79,
  ASH_TOO_LONG: 0x7a,
  ASH_BAD_CONTROL: 0x7b,
  ASH_BAD_LENGTH: 0x7c,
  NO_ERROR: 0xff,
} as const;

/** 8-bit EmberStatus, the `status` type of EZSP 13 (for configuration, policy and value frames it carries an EzspStatus). */
export const EmberStatus = {
  SUCCESS: 0x00,
  ERR_FATAL: 0x01,
  BAD_ARGUMENT: 0x02,
  NO_BUFFERS: 0x18,
  PACKET_HANDOFF_DROP_PACKET: 0x19,
  DELIVERY_FAILED: 0x66,
  INVALID_CALL: 0x70,
  MAX_MESSAGE_LIMIT_REACHED: 0x72,
  MESSAGE_TOO_LONG: 0x74,
  BINDING_IS_ACTIVE: 0x75,
  ADDRESS_TABLE_ENTRY_IS_ACTIVE: 0x76,
  NETWORK_UP: 0x90,
  NETWORK_DOWN: 0x91,
  NOT_JOINED: 0x93,
  INVALID_SECURITY_LEVEL: 0x95,
  MOVE_FAILED: 0x96,
  NODE_ID_CHANGED: 0x99,
  PAN_ID_CHANGED: 0x9a,
  CHANNEL_CHANGED: 0x9b,
  NETWORK_OPENED: 0x9c,
  NETWORK_CLOSED: 0x9d,
  NETWORK_BUSY: 0xa1,
  BINDING_HAS_CHANGED: 0xa4,
  INSUFFICIENT_RANDOM_DATA: 0xa5,
  APS_ENCRYPTION_ERROR: 0xa6,
  SECURITY_STATE_NOT_SET: 0xa8,
  SOURCE_ROUTE_FAILURE: 0xa9,
  MANY_TO_ONE_ROUTE_FAILURE: 0xaa,
  RECEIVED_KEY_IN_THE_CLEAR: 0xac,
  NO_NETWORK_KEY_RECEIVED: 0xad,
  NO_LINK_KEY_RECEIVED: 0xae,
  PRECONFIGURED_KEY_REQUIRED: 0xaf,
  STACK_AND_HARDWARE_MISMATCH: 0xb0,
  LIBRARY_NOT_PRESENT: 0xb5,
  TOO_SOON_FOR_SWITCH_KEY: 0xb8,
  SIGNATURE_VERIFY_FAILURE: 0xb9,
  KEY_NOT_AUTHORIZED: 0xbb,
} as const;

/** 32-bit sl_status_t, the `status` type from EZSP 14 on (and of some frames in every version). */
export const SLStatus = {
  OK: 0x0000,
  FAIL: 0x0001,
  INVALID_STATE: 0x0002,
  NOT_READY: 0x0003,
  BUSY: 0x0004,
  IN_PROGRESS: 0x0005,
  ABORT: 0x0006,
  TIMEOUT: 0x0007,
  NOT_AVAILABLE: 0x000e,
  NOT_SUPPORTED: 0x000f,
  NETWORK_UP: 0x0015,
  NETWORK_DOWN: 0x0016,
  NOT_JOINED: 0x0017,
  ALLOCATION_FAILED: 0x0019,
  NO_MORE_RESOURCE: 0x001a,
  INVALID_PARAMETER: 0x0021,
  INVALID_CONFIGURATION: 0x0023,
  INVALID_INDEX: 0x0027,
  INVALID_KEY: 0x0029,
  NOT_FOUND: 0x002d,
  TRANSMIT: 0x0031,
  MESSAGE_TOO_LONG: 0x0038,
  MAC_NO_ACK_RECEIVED: 0x0040,
  MAC_INDIRECT_TIMEOUT: 0x0041,
  MAC_SCANNING: 0x004d,
  MAC_TRANSMIT_QUEUE_FULL: 0x0053,
  ZIGBEE_PACKET_HANDOFF_DROPPED: 0x0c01,
  ZIGBEE_DELIVERY_FAILED: 0x0c02,
  ZIGBEE_MAX_MESSAGE_LIMIT_REACHED: 0x0c03,
  ZIGBEE_NODE_ID_CHANGED: 0x0c07,
  ZIGBEE_APS_ENCRYPTION_ERROR: 0x0c0a,
  ZIGBEE_SECURITY_STATE_NOT_SET: 0x0c0b,
  ZIGBEE_KEY_NOT_AUTHORIZED: 0x0c0e,
  ZIGBEE_PAN_ID_CHANGED: 0x0c16,
  ZIGBEE_CHANNEL_CHANGED: 0x0c17,
  ZIGBEE_NETWORK_OPENED: 0x0c18,
  ZIGBEE_NETWORK_CLOSED: 0x0c19,
  ZIGBEE_EZSP_ERROR: 0x0c1e,
  ZIGBEE_NO_APS_ACK: 0x0c20,
  ZIGBEE_APS_MESSAGE_CANCELED: 0x0c21,
  ZIGBEE_SEND_UNICAST_FAILURE: 0x0c25,
  ZIGBEE_SEND_UNICAST_NO_ROUTE: 0x0c26,
} as const;

export const EmberNetworkStatus = {
  NO_NETWORK: 0,
  JOINING_NETWORK: 1,
  JOINED_NETWORK: 2,
  JOINED_NETWORK_NO_PARENT: 3,
  LEAVING_NETWORK: 6,
} as const;

/** trustCenterJoinHandler `status`. */
export const EmberDeviceUpdate = {
  STANDARD_SECURITY_SECURED_REJOIN: 0,
  STANDARD_SECURITY_UNSECURED_JOIN: 1,
  DEVICE_LEFT: 2,
  STANDARD_SECURITY_UNSECURED_REJOIN: 3,
} as const;

/** trustCenterJoinHandler `policyDecision`. */
export const EmberJoinDecision = {
  USE_PRECONFIGURED_KEY: 0,
  SEND_KEY_IN_THE_CLEAR: 1,
  DENY_JOIN: 2,
  NO_ACTION: 3,
  ALLOW_REJOINS_ONLY: 4,
} as const;

/** zigbeeKeyEstablishmentHandler `status`. */
export const EmberKeyStatus = {
  STATUS_NONE: 0,
  APP_LINK_KEY_ESTABLISHED: 1,
  TRUST_CENTER_LINK_KEY_ESTABLISHED: 3,
  ESTABLISHMENT_TIMEOUT: 4,
  TABLE_FULL: 5,
  TC_RESPONDED_TO_KEY_REQUEST: 6,
  TC_APP_KEY_SENT_TO_REQUESTER: 7,
  TC_RESPONSE_TO_KEY_REQUEST_FAILED: 8,
  TC_REQUEST_KEY_TYPE_NOT_SUPPORTED: 9,
  TC_NO_LINK_KEY_FOR_REQUESTER: 10,
  TC_REQUESTER_EUI64_UNKNOWN: 11,
  TC_REQUESTER_VERIFY_KEY_TIMEOUT: 50,
  TC_REQUESTER_VERIFY_KEY_FAILURE: 51,
  TC_REQUESTER_VERIFY_KEY_SUCCESS: 52,
  VERIFY_LINK_KEY_FAILURE: 100,
  VERIFY_LINK_KEY_SUCCESS: 101,
} as const;

export const EzspConfigId = {
  PACKET_BUFFER_HEAP_SIZE: 0x01,
  NEIGHBOR_TABLE_SIZE: 0x02,
  APS_UNICAST_MESSAGE_COUNT: 0x03,
  ADDRESS_TABLE_SIZE: 0x05,
  MULTICAST_TABLE_SIZE: 0x06,
  STACK_PROFILE: 0x0c,
  SECURITY_LEVEL: 0x0d,
  MAX_HOPS: 0x10,
  MAX_END_DEVICE_CHILDREN: 0x11,
  INDIRECT_TRANSMISSION_TIMEOUT: 0x12,
  TRUST_CENTER_ADDRESS_CACHE_SIZE: 0x19,
  SOURCE_ROUTE_TABLE_SIZE: 0x1a,
  KEY_TABLE_SIZE: 0x1e,
  APS_ACK_TIMEOUT: 0x1f,
  SUPPORTED_NETWORKS: 0x2d,
  TRANSIENT_KEY_TIMEOUT_S: 0x36,
} as const;

export const EzspPolicyId = {
  TRUST_CENTER_POLICY: 0x00,
  BINDING_MODIFICATION_POLICY: 0x01,
  UNICAST_REPLIES_POLICY: 0x02,
  POLL_HANDLER_POLICY: 0x03,
  MESSAGE_CONTENTS_IN_CALLBACK_POLICY: 0x04,
  TC_KEY_REQUEST_POLICY: 0x05,
  APP_KEY_REQUEST_POLICY: 0x06,
} as const;

/** Decisions for TRUST_CENTER_POLICY, combined as bits. */
export const EzspDecisionBitmask = {
  DEFAULT_CONFIGURATION: 0x00,
  ALLOW_JOINS: 0x01,
  ALLOW_UNSECURED_REJOINS: 0x02,
  SEND_KEY_IN_CLEAR: 0x04,
  IGNORE_UNSECURED_REJOINS: 0x08,
  JOINS_USE_INSTALL_CODE_KEY: 0x10,
  DEFER_JOINS: 0x20,
} as const;

/** Decisions for the other policies. */
export const EzspDecisionId = {
  HOST_WILL_NOT_SUPPLY_REPLY: 0x20,
  MESSAGE_TAG_ONLY_IN_CALLBACK: 0x40,
  MESSAGE_TAG_AND_CONTENTS_IN_CALLBACK: 0x41,
  DENY_TC_KEY_REQUESTS: 0x50,
  ALLOW_TC_KEY_REQUESTS_AND_SEND_CURRENT_KEY: 0x51,
  ALLOW_TC_KEY_REQUEST_AND_GENERATE_NEW_KEY: 0x52,
  DENY_APP_KEY_REQUESTS: 0x60,
  ALLOW_APP_KEY_REQUESTS: 0x61,
} as const;

export const EzspValueId = {
  EXTENDED_SECURITY_BITMASK: 0x0a,
  NODE_SHORT_ID: 0x0b,
  VERSION_INFO: 0x11,
  NWK_FRAME_COUNTER: 0x23,
  APS_FRAME_COUNTER: 0x24,
  TRANSIENT_KEY_TIMEOUT_S: 0x3b,
} as const;

export const EmberInitialSecurityBitmask = {
  TRUST_CENTER_GLOBAL_LINK_KEY: 0x0004,
  HAVE_TRUST_CENTER_EUI64: 0x0040,
  TRUST_CENTER_USES_HASHED_LINK_KEY: 0x0084,
  HAVE_PRECONFIGURED_KEY: 0x0100,
  HAVE_NETWORK_KEY: 0x0200,
  REQUIRE_ENCRYPTED_KEY: 0x0800,
  NO_FRAME_COUNTER_RESET: 0x1000,
  GET_PRECONFIGURED_KEY_FROM_INSTALL_CODE: 0x2000,
} as const;

export const EmberNetworkInitBitmask = {
  NO_OPTIONS: 0x0000,
  PARENT_INFO_IN_TOKEN: 0x0001,
  END_DEVICE_REJOIN_ON_REBOOT: 0x0002,
} as const;

export const EmberApsOption = {
  NONE: 0x0000,
  ENCRYPTION: 0x0020,
  RETRY: 0x0040,
  ENABLE_ROUTE_DISCOVERY: 0x0100,
  FORCE_ROUTE_DISCOVERY: 0x0200,
  SOURCE_EUI64: 0x0400,
  DESTINATION_EUI64: 0x0800,
  ENABLE_ADDRESS_DISCOVERY: 0x1000,
  /** One block of a fragmented message; groupId carries its number (see fragmentation.ts). */
  FRAGMENT: 0x8000,
} as const;

export const EmberOutgoingMessageType = { DIRECT: 0, VIA_ADDRESS_TABLE: 1, VIA_BINDING: 2, MULTICAST: 3, BROADCAST: 6 } as const;
export const EmberIncomingMessageType = { UNICAST: 0, UNICAST_REPLY: 1, MULTICAST: 2, BROADCAST: 4 } as const;
export const EzspNetworkScanType = { ENERGY_SCAN: 0, ACTIVE_SCAN: 1 } as const;
export const EmberNodeType = { UNKNOWN_DEVICE: 0, COORDINATOR: 1, ROUTER: 2, END_DEVICE: 3, SLEEPY_END_DEVICE: 4 } as const;
export const EmberJoinMethod = { MAC_ASSOCIATION: 0, NWK_REJOIN: 1 } as const;
export const EmberLeaveNetworkOption = { WITH_NO_OPTION: 0x00, WITH_OPTION_REJOIN: 0x20, IS_REQUESTED: 0x40 } as const;
/** getExtendedValue ids; ENDPOINT_FLAGS takes the endpoint as its characteristics. */
export const EzspExtendedValueId = { ENDPOINT_FLAGS: 0x00, LAST_LEAVE_REASON: 0x01, GET_SOURCE_ROUTE_OVERHEAD: 0x02 } as const;
export const EmberEndpointFlags = { ENABLED: 0x0001 } as const;
export const EmberSourceRouteDiscoveryMode = { OFF: 0, ON: 1, RESCHEDULE: 2 } as const;
/** The key a security-manager context names (exportKey). */
export const SecManKeyType = { NONE: 0, NETWORK: 1, TC_LINK: 2, TC_LINK_WITH_TIMEOUT: 3, APP_LINK: 4, INTERNAL: 9 } as const;
export const SecManFlag = { NONE: 0x00, KEY_INDEX_IS_VALID: 0x01, EUI_IS_VALID: 0x02 } as const;
/** Indexes into readAndClearCounters' list (EmberCounterType). */
export const EmberCounterType = {
  APS_DATA_RX_BROADCAST: 6,
  APS_DATA_TX_BROADCAST: 7,
  APS_DATA_RX_UNICAST: 8,
  APS_DATA_TX_UNICAST_SUCCESS: 9,
  APS_DATA_TX_UNICAST_FAILED: 11,
} as const;
/** The stack type `version` reports for a ZigBee mesh NCP. */
export const EZSP_STACK_TYPE_MESH = 0x02;

/** The name of `value` in `table`, or its hex form if the table does not know it. */
export function nameOf(table: Readonly<Record<string, number>>, value: number): string {
  for (const [name, v] of Object.entries(table)) if (v === value) return name;
  return `0x${value.toString(16).padStart(2, '0')}`;
}

/** A `status` field's name, read in the status space of protocol `version`. */
export function statusName(value: number, version: number): string {
  return nameOf(version >= FIRST_SL_STATUS_VERSION ? SLStatus : EmberStatus, value);
}

/** The stack-status values meaning "the network is up" / "down", per protocol version. */
export function networkStatusCodes(version: number): { up: number; down: number } {
  return version >= FIRST_SL_STATUS_VERSION
    ? { up: SLStatus.NETWORK_UP, down: SLStatus.NETWORK_DOWN }
    : { up: EmberStatus.NETWORK_UP, down: EmberStatus.NETWORK_DOWN };
}

/** Whether a send failed because the NCP is off its network (gone down, or never joined). */
export function isNetworkGone(status: number, version: number): boolean {
  const notJoined = version >= FIRST_SL_STATUS_VERSION ? SLStatus.NOT_JOINED : EmberStatus.NOT_JOINED;
  return status === networkStatusCodes(version).down || status === notJoined;
}
