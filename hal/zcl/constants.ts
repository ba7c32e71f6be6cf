/**
 * ZCL numbers the hub uses, as data: profiles, clusters, global commands and statuses.
 * GB hubs speak the Smart Energy profile on the HAN, so that is the profile the hub answers on.
 */
export const PROFILE = {
  /** ZigBee Device Objects (Node_Desc, Active_EP, Device_annce ...). */
  zdo: 0x0000,
  homeAutomation: 0x0104,
  smartEnergy: 0x0109,
} as const;

export const CLUSTER = {
  basic: 0x0000,
  identify: 0x0003,
  time: 0x000a,
  ota: 0x0019,
  tunneling: 0x0704,
  keyEstablishment: 0x0800,
  prepayment: 0x0705,
  metering: 0x0702,
  deviceManagement: 0x0708,
} as const;

/** Profile-wide (global) command ids. */
export const GLOBAL_COMMAND = {
  readAttributes: 0x00,
  readAttributesResponse: 0x01,
  writeAttributes: 0x02,
  writeAttributesResponse: 0x04,
  defaultResponse: 0x0b,
} as const;

/** ZCL status codes (ZCL spec §2.6.3): the one table the hub, the GPF's answers and the payload describer read. */
export const ZCL_STATUS = {
  success: 0x00,
  failure: 0x01,
  notAuthorized: 0x7e,
  malformedCommand: 0x80,
  unsupportedClusterCommand: 0x81,
  unsupportedGeneralCommand: 0x82,
  unsupportedManufacturerGeneralCommand: 0x84,
  invalidField: 0x85,
  unsupportedAttribute: 0x86,
  invalidValue: 0x87,
  readOnly: 0x88,
  insufficientSpace: 0x89,
  notFound: 0x8b,
  invalidDataType: 0x8d,
  hardwareFailure: 0xc0,
} as const;
export type ZclStatus = (typeof ZCL_STATUS)[keyof typeof ZCL_STATUS];

/** Each ZCL status by its spec name in words ("unsupported attribute"), for describing payloads. */
export const ZCL_STATUS_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(ZCL_STATUS).map(([name, code]) => [code, name.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`)]),
);
