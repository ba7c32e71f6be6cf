/** DLMS COSEM payloads: the A-XDR Data codec, the xDLMS APDUs, COSEM tables and the CHF use-case views. */
export { decodeData, decodeDataBytes, encodeData } from './data.js';
export { APDU_TAG, decodeDlms, encodeDlms, obisFromBytes, obisToBytes } from './apdu.js';
export type { AccessRequest, AccessRequestSpec, AccessResponse, AccessResponseSpec, CosemReference, DataNotification, DlmsApdu } from './apdu.js';
export type { DlmsData, DlmsType, TypeDescription } from './types.js';
export { ACCESS_RESULTS, ALERT_CODES, COSEM_CLASS, COSEM_CLASSES, OBIS, OBJECT_NAMES, memberName } from './cosem.js';
export { AccessUseCase, AlertUseCase, type AccessOutcome, type AccessStep, type DlmsAlertView, type DlmsCommandView, type DlmsResponseView, type Steps } from './views.js';
export * from './chf.js';
export type { BitString, Shape } from './shape.js';
