/** The control layer's entrance: what the CLI uses of the running hub's management API. */
export { ControlClient, type Subscription } from './client.js';
export { invoke, type InvokeOptions } from './invoke.js';
export { ControlError } from './protocol.js';
export { pairDevices, type PairAddArgs, type PairDevices, type PairWatchEvent } from './operations/pair.js';
