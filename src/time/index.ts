export { HubTime, TimeError, TIME_SOURCES, DEFAULT_TIME_VALIDITY_MS, type TimeSource, type TimeStatus, type HubTimeOptions, type HubTimeEvents } from './hub-time.js';
export { TimeClusterServer, type TimeServerEvents } from './time-server.js';
export { TIME_ATTRIBUTES, TIME_STATUS_BITS, UNKNOWN_TIME, ZIGBEE_EPOCH_MS, toZigbeeTime, fromZigbeeTime, type TimeAttributeName, type TimeAttributeValues } from './attributes.js';
export { ukDstPeriod, isUkDst, UK_DST_SHIFT_SECONDS, UK_TIME_ZONE_SECONDS, type DstPeriod } from './uk-dst.js';
