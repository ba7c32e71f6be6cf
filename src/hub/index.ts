/** The hub layer's entrance: what other layers may use of it. */
export { processOnce } from './process-once.js';
export { openGbcsHub, type GbcsHub } from './gbcs-hub.js';
export { startHubWan, type HubWan } from './hub-wan.js';
export { type AlertQueueEvents } from './alert-queue.js';
