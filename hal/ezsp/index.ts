/** The EZSP layer: frame table, codec, constants, and the host driver. */
export * from './errors.js';
export * from './frames.js';
export * from './codec.js';
export * from './enums.js';
export type {
  ApsFrame,
  ApsKeyMetadata,
  ClusterLists,
  EmberInitialSecurityState,
  EmberNetworkParameters,
  MulticastTableEntry,
  NetworkKeyInfo,
  SecManContext,
  WireTypeName,
  WireValue,
} from './wire-types.js';
export { EMBER_COUNTER_COUNT, FIRST_SL_STATUS_VERSION } from './wire-types.js';
