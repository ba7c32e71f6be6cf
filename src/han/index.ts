/** The han layer's entrance: what other layers may use of it. */
export { fromCoordinatorBackup, NetworkBackupError, toCoordinatorBackup } from './network-backup.js';
export { NetworkIdentity } from './network-identity.js';
export { HanAdmission } from './admission.js';
export { HanRelay, type RelayEvents } from './relay.js';
export { SleepyQueue } from './sleepy-queue.js';
