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
