export { GasProxyData, sameMprn, type Audience, type DateRange } from './gas-proxy-data.js';
export { AudienceGate, GPF_VIEWS, RESTRICTED_CLASSES, type GpfViewName, type HouseholderCheck, type ViewRequest } from './audience-gate.js';
export { GpfDeviceLog, GPF_DEVICE_TYPES, RESTORE_OUTCOMES, type GpfDeviceLogEntry, type GpfDeviceLogBackup, type GpfDeviceType, type RestoreOutcome } from './device-log.js';
export { GPF_LOG_SIZES, HALF_HOURS_PER_DAY, type GpfLogName } from './log-sizes.js';
export { GpfError, type GpfErrorCode } from './errors.js';
export type { GasRegisters, PrepaymentRegisters, DailyRead, PrepaymentDailyRead, DailyConsumption, ProfileInterval, BillingSnapshot } from './readings.js';
export { dayKey } from './days.js';
export { gpfEui64 } from './gpf-eui64.js';
