/** The GBCS message layer: codec, tables and authentication. */
export { decodeMessage, encodeMessage, encodeGroupingApdu, signedPart, type DecodeOptions } from './codec.js';
export { routeOf, type MessageRoute } from './routing.js';
export { GbcsAuthenticator, type Authenticated, type AuthenticatorOptions } from './authenticator.js';
export { GbcsError, type GbcsErrorCode } from './errors.js';
export { CRA_FLAG, SIZE, TAG, type Cra } from './constants.js';
export { deriveKey, kdfOtherInfo, TRANSACTION_KIND, type KdfParties, type TransactionKind } from './kdf.js';
export { computeMac, gbcsMacHeader, macAuthenticatedData, macIv, macMatches } from './mac.js';
export { MESSAGE_CODES, messageCodeEntry, messageCodesFor, type MessageCodeEntry, type MessageTarget } from './message-codes.js';
export { dateTimeFromDate, dateTimeToDate, decodeDateTime, encodeDateTime, formatDateTime, type DlmsDateTime } from './date-time.js';
export { isSigned, type GbcsMessage, type GroupingHeader, type MacHeader, type SignatureField, type SupplementaryRemoteParty } from './message.js';
