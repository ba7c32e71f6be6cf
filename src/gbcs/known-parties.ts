import type { Eui64 } from '../../hal/radio.js';

/**
 * The EUI-64s of the DCC's Reference Test Data Set and the part each plays, so a message from the
 * test PKI reads as "Access Control Broker" rather than sixteen hex digits. A keystore's
 * certificates, when given, say the same for remote parties through their OU.
 */
export const RTDS_PARTIES: ReadonlyMap<Eui64, string> = new Map([
  ['00DB1234567890A0', 'ESME (electricity meter)'],
  ['00DB1234567890A1', 'GSME (gas meter)'],
  ['00DB1234567890A2', 'CHF (the hub)'],
  ['00DB1234567890A3', 'GPF (the hub\'s gas proxy)'],
  ['00DB1234567890A4', 'PPMID'],
  ['00DB1234567890A5', 'HCALCS'],
  // As the certificates' OU says (GBCS role codes), not as the shared RTDS notes label -04 and -07.
  ['90B3D51F30000001', 'recovery'],
  ['90B3D51F30000002', 'Access Control Broker'],
  ['90B3D51F30000004', 'transitional change of supplier'],
  ['90B3D51F30000007', 'WAN provider'],
  ['90B3D51F30010000', 'supplier'],
  ['90B3D51F30030000', 'supplier'],
  ['90B3D51F30020000', 'network operator'],
  ['90B3D51F30010008', 'other user'],
]);
