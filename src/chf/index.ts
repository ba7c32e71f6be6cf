/** The chf layer's entrance: what other layers may use of it. */
export { DeviceLog, parseDeviceType, type DeviceLogChange, type DeviceLogEntry, type WhitelistOrigin } from './device-log.js';
export { type HistoricDeviceEntry } from './historic-device-log.js';
export { hashTcLinkKey, maskSecret } from './link-key-hash.js';
export { credentialUpdateHandler } from './use-cases/cs02b-update-security-credentials.js';
export { JoinWindows, type JoinPhase, type JoinPlanStep, type JoinWindowEvents } from './join-window.js';
export { raiseCcs08 } from './use-cases/ccs08-firmware-transfer-alert.js';
export { raiseCs06Alert } from './use-cases/cs06-activate-firmware.js';
export { CS14_MESSAGE_CODE, watchDeviceLog } from './use-cases/cs14-device-log-alert.js';
export { watchSubGhz } from './use-cases/dbch-alert-watch.js';
export { DBCH_HANDLERS } from './use-cases/dbch-handlers.js';
export { type LinkStatisticsTable } from './use-cases/link-statistics.js';
