export { openHubLogs, LOG_DOMAINS, type EventLog, type SecurityLog, type SecurityEventSink, type LogEntry, type ReadableLog, type TimeRange, type HubLogs } from './hub-logs.js';
export { HUB_EVENTS, SECURITY_EVENT_ALIASES, hubEventByCode, gbcsCodeOf, type HubEvent, type HubEventName, type LogName, type SecurityEventAlias } from './event-codes.js';
export { validateDetail, isPersonalFieldName, type LogDetail, type DetailValue } from './detail.js';
export { CHF_LOG_SIZES } from './sizes.js';
export { LogError, type LogErrorCode } from './errors.js';
export { BoundedLog } from './bounded-log.js';
export { createLogger } from './process-logger.js';
