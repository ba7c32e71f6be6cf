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

export const ZCL_STATUS = {
  success: 0x00,
  failure: 0x01,
  malformedCommand: 0x80,
  unsupportedClusterCommand: 0x81,
  unsupportedGeneralCommand: 0x82,
  unsupportedManufacturerGeneralCommand: 0x84,
  unsupportedAttribute: 0x86,
  readOnly: 0x88,
} as const;
export type ZclStatus = (typeof ZCL_STATUS)[keyof typeof ZCL_STATUS];
