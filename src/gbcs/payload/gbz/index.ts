/** GBZ payloads: components, ZCL bodies, cluster tables and component encryption. */
export { decodeGbz, encodeGbz, decodeZclBody, encodeZclBody, EXTENDED_HEADER_CONTROL, GBZ_PROFILE_ID } from './codec.js';
export type { CipheredBody, GbzAlert, GbzAlertBody, GbzComponent, GbzComponents, GbzPayload, ZclBody, ZclFields, ZclHeader } from './codec.js';
export { CLUSTERS, CLUSTER_ID, commandLayout } from './clusters.js';
export { ZCL_DATA_TYPES, type AttributeRecord, type ZclValue } from './zcl.js';
export { decryptGbzComponent, encryptGbzBody, gbzEncryptionKey, gbzEncryptionParties, SECURITY_CONTROL_ENCRYPTED } from './cipher.js';
