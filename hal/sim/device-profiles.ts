import type { DeviceSpec, DeviceType } from './scenario.js';
import type { EndpointDescription, LogicalType } from './zdo.js';
import { CLUSTER } from '../zcl/index.js';

/**
 * What each kind of simulated Device says about itself when a host interviews it: its ZigBee role,
 * its endpoint (Smart Energy profile, with the clusters GBCS Devices serve) and its Basic cluster.
 * A sleepy Device is a sleepy end device whatever its kind.
 */
export interface DeviceProfile {
  logicalType: LogicalType;
  endpoint: EndpointDescription;
  /** Basic cluster: ZCL power source (0x01 mains, single phase; 0x03 battery). */
  powerSource: number;
}

const SMART_ENERGY = 0x0109;
/** Smart Energy device ids. */
const SE_DEVICE = { meter: 0x0501, inPremiseDisplay: 0x0502, loadControl: 0x0504, prepaymentTerminal: 0x0506, physical: 0x0507 } as const;
/** Clusters: Basic, Identify, Time, Metering, Prepayment, Tunnelling. */
const C = CLUSTER;
const MAINS = 0x01;
const BATTERY = 0x03;

/** Manufacturer code in the simulated Devices' node descriptors (0xFFFF is reserved for testing, never assigned). */
export const SIM_MANUFACTURER_CODE = 0xfffe;

function endpoint(deviceId: number, input: number[], output: number[]): EndpointDescription {
  return { endpoint: 1, profileId: SMART_ENERGY, deviceId, deviceVersion: 0, clusters: { input, output } };
}

export const DEVICE_PROFILES: Readonly<Record<DeviceType, DeviceProfile>> = {
  ESME: { logicalType: 'router', endpoint: endpoint(SE_DEVICE.meter, [C.basic, C.identify, C.metering, C.prepayment, C.tunneling], [C.time, C.tunneling]), powerSource: MAINS },
  GSME: { logicalType: 'endDevice', endpoint: endpoint(SE_DEVICE.meter, [C.basic, C.metering, C.prepayment, C.tunneling], [C.time, C.tunneling]), powerSource: BATTERY },
  PPMID: { logicalType: 'endDevice', endpoint: endpoint(SE_DEVICE.prepaymentTerminal, [C.basic, C.identify], [C.time, C.metering, C.prepayment, C.tunneling]), powerSource: MAINS },
  IHD: { logicalType: 'endDevice', endpoint: endpoint(SE_DEVICE.inPremiseDisplay, [C.basic, C.identify], [C.time, C.metering, C.prepayment]), powerSource: MAINS },
  HCALCS: { logicalType: 'router', endpoint: endpoint(SE_DEVICE.loadControl, [C.basic, C.identify, C.tunneling], [C.time, C.tunneling]), powerSource: MAINS },
  CAD: { logicalType: 'endDevice', endpoint: endpoint(SE_DEVICE.physical, [C.basic, C.identify], [C.time, C.metering]), powerSource: MAINS },
};

/** A sleepy Device is an end device whatever its kind. */
export function isEndDevice(spec: Pick<DeviceSpec, 'type' | 'sleepy'>): boolean {
  return spec.sleepy || DEVICE_PROFILES[spec.type].logicalType === 'endDevice';
}
