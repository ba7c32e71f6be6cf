/** ASN.1 DER payloads (through node-forge) and the GBCS structures built on them. */
export { ASN1_TAG, decodeBer, decodeDer, encodeDer, type Asn1Node } from './der.js';
export * from './views.js';
export type { Asn1Shape } from './shape.js';
