export * from './constants.js';
export * from './errors.js';
export * from './frame.js';
export * from './data-types.js';
export * from './attributes.js';
