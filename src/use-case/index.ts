/** The use-case contract: what a GBCS use-case handler is given and returns, and how handlers are defined and found. */
export type * from './use-case.js';
export { defineHandler, HandlerRegistry, RegistryError, type HandlerDefinition } from './registry.js';
