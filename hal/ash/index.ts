export { AshError, type AshErrorCode, type AshLink, type AshLinkEvents } from './link.js';
export { AshEndpoint } from './endpoint.js';
export { type AshEndpointOptions, type AshLinkCounters, type AshRole } from './endpoint-options.js';
export { AshDecoder, type AshBadFrame, type AshBadFrameReason, type AshDecoderCounters, type AshDecoderEvents } from './decoder.js';
export { AshEncoder, maxEncodedLength } from './encoder.js';
export { type AshFrame, type AshFrameKind, RANDOM_SEQUENCE, randomise } from './frame.js';
export { ResetCode, describeResetCode, type ResetCodeName } from './codes.js';
export { ASH_VERSION, LinkDefaults, MAX_DATA_LENGTH, MIN_DATA_LENGTH, ReservedByte } from './constants.js';
