export { fileDigest, MANIFEST_NAME, type Manifest, type ManifestFile } from './bundle-manifest.js';
export { bundleTrial, watchOwnImages, type OwnUpdateResult, type OwnUpdates, type OwnUpdatesOptions } from './own-update.js';
export { BUNDLE_DIR, checkBundle, removeSlotTemps, unpackBundle, UpdateError, type Owner } from './slot-bundle.js';
export { verifiedAgainstKeystore } from './verify-image.js';
