// The store's only entrance: the Store seam, its codecs and errors, and opening a LevelDB store.
export * from './store.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { jsonCodec, bytesCodec, utf8Codec } from './codecs.js';
export { openStore, repairStore } from './open.js';
