import { EmberStatus, FIRST_SL_STATUS_VERSION, SLStatus } from '../ezsp/index.js';

/**
 * The statuses the simulated NCP answers with, by meaning: EZSP 13 carries an 8-bit EmberStatus,
 * EZSP 14 and later a 32-bit sl_status_t, and the same event has a different number in each.
 */
const STATUS = {
  SUCCESS: [EmberStatus.SUCCESS, SLStatus.OK],
  NETWORK_UP: [EmberStatus.NETWORK_UP, SLStatus.NETWORK_UP],
  NETWORK_DOWN: [EmberStatus.NETWORK_DOWN, SLStatus.NETWORK_DOWN],
  NOT_JOINED: [EmberStatus.NOT_JOINED, SLStatus.NOT_JOINED],
  NETWORK_OPENED: [EmberStatus.NETWORK_OPENED, SLStatus.ZIGBEE_NETWORK_OPENED],
  NETWORK_CLOSED: [EmberStatus.NETWORK_CLOSED, SLStatus.ZIGBEE_NETWORK_CLOSED],
  CHANNEL_CHANGED: [EmberStatus.CHANNEL_CHANGED, SLStatus.ZIGBEE_CHANNEL_CHANGED],
  INVALID_CALL: [EmberStatus.INVALID_CALL, SLStatus.INVALID_STATE],
  BAD_ARGUMENT: [EmberStatus.BAD_ARGUMENT, SLStatus.INVALID_PARAMETER],
  DELIVERY_FAILED: [EmberStatus.DELIVERY_FAILED, SLStatus.ZIGBEE_DELIVERY_FAILED],
} as const;

export type StatusMeaning = keyof typeof STATUS;

export function status(meaning: StatusMeaning, version: number): number {
  const [ember, sl] = STATUS[meaning];
  return version >= FIRST_SL_STATUS_VERSION ? sl : ember;
}
