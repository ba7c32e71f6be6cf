/**
 * ZCL numbers the hub uses, as data: profiles, clusters, global commands and statuses.
 * GB hubs speak the Smart Energy profile on the HAN, so that is the profile the hub answers on.
 */
export const PROFILE = {
  homeAutomation: 0x0104,
  smartEnergy: 0x0109,
} as const;

export const CLUSTER = {
  time: 0x000a,
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
