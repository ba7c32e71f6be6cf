/** The han layer's entrance: what other layers may use of it. */
export { fromCoordinatorBackup, NetworkBackupError, toCoordinatorBackup, type CoordinatorBackup } from './network-backup.js';
export { NetworkIdentity, type StoredIdentity } from './network-identity.js';
export { HanAdmission, type AdmissionEvents } from './admission.js';
export { HanRelay, type RelayEvents } from './relay.js';
export { SleepyQueue } from './sleepy-queue.js';
