export { FirmwareError, type FirmwareErrorCode } from './errors.js';
export { HEADER_STRING_LENGTH, OTA_MAGIC, decodeOtaHeader, encodeOtaHeader, type OtaHeader, type OtaHeaderFields } from './ota-header.js';
export {
  SIGNATURE_LENGTH,
  SIGNATURE_TRAILER_LENGTH,
  buildUpgradeImage,
  manufacturerImageHash,
  parseUpgradeImage,
  signUpgradeImage,
  type ImageSigner,
  type SignaturePresence,
  type UpgradeImage,
  type UpgradeImageFields,
} from './upgrade-image.js';
export { IMAGE_SIGNER_ROLE, verifyUpgradeImage, type VerifyOptions } from './verify.js';
export { checkTarget, type ImageTarget } from './target.js';
export { DEFAULT_IMAGE_QUOTA_BYTES, FirmwareImages, FIRMWARE_IMAGES_DOMAIN, FIRMWARE_INDEX_DOMAIN, type AddOptions, type HeldImage } from './image-store.js';
export { CHUNK_HEADER_OCTETS, MAX_CHUNK_OCTETS, chunkImage, decodeChunk, encodeChunk, type ImageChunk } from './chunk-frame.js';
export {
  FIRMWARE_CHUNKS_DOMAIN,
  FIRMWARE_DISCARDED_DOMAIN,
  FIRMWARE_TRANSFERS_DOMAIN,
  ImageReceiver,
  type ChunkResult,
  type ImageReceiverEvents,
  type ImageReceiverOptions,
  type TargetLookup,
  type TransferEnded,
  type TransferOutcome,
  type TransferProgress,
} from './image-receiver.js';
export { firmwareTargets, startHubFirmware, type FirmwareTransferEnded, type HubFirmware, type HubFirmwareOptions } from './hub-firmware.js';
export { OTA_CLUSTER_ID, OTA_COMMANDS, OTA_STATUS, decodeOtaCommand, encodeOtaCommand, otaCommandById, type OtaCommandName, type OtaFields } from '../../hal/zcl/ota-cluster.js';
export { DEFAULT_MAX_BLOCK_OCTETS, OTA_OFFERS_DOMAIN, OtaServer, type OtaReply, type OtaServerEvents, type OtaServerOptions } from './ota-server.js';
export {
  ACTIVATION_RESPONSE,
  ActivationSchedule,
  CANCEL_ACTIVATION_AT,
  FIRMWARE_ACTIVATIONS_DOMAIN,
  type ActivationEvents,
  type ActivationExecutor,
  type ActivationOrigin,
  type ActivationOutcome,
  type ActivationResponse,
  type ScheduleResult,
} from './activation-schedule.js';
export { HubSlots, type Recovery, type SlotName, type SlotsState, type SlotVerifier } from './hub-slots.js';
export { OTA_ENDPOINT, OtaRadioService, type OtaRadioEvents } from './ota-radio.js';
export { openSlotsAtStart, type SlotsAtStart, type SlotsAtStartOptions } from './slots-at-start.js';
export { hex } from './ota-header.js';
export { OwnImage, versionOctets, type OwnActivation, type OwnImageEvents, type OwnImageOptions, type SlotTrial } from './own-image.js';
export { OTA_BLOCK_PERIOD_MS, otaPacing, type DutyCycleSource } from './ota-pacing.js';
export { ActivationGate } from './activation-gate.js';
export { DEVICE_MODEL_LIST_DOMAIN, DEVICE_MODELS_DOMAIN, DeviceModels, decodeDeviceModelFrame, encodeDeviceModelFrame, type DeviceModel, type DeviceModelList } from './device-models.js';
export { formatImageInspection, inspectUpgradeImage, type ImageInspection, type SignatureStatus, type Trust } from './inspect.js';
