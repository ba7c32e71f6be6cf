/** DBCH10: a Remote Party's command to a Device paused for duty cycle was discarded; the alert says whose, for which Device, and which command. */
import { eui64ToBytes } from '../../../hal/eui64.js';
import type { Eui64 } from '../../../hal/radio.js';
import { CRA_FLAG, octets } from '../../gbcs/index.js';
import { SUB_GHZ_ALERTS, type DiscardedCommand } from '../../subghz/index.js';
import { dbchAlert } from './dbch-alert-format.js';

/**
 * One 25-octet string: the Remote Party's EUI-64, the Device's EUI-64, then the discarded
 * command's transaction id (CRA flag 01 and its 8-octet originator counter), as the RTDS DBCH10 has it.
 */
export const DBCH10_ALERT = dbchAlert('DBCH10', SUB_GHZ_ALERTS.messageDiscardedDutyCycle, octets(25));

export function discardedBody(remoteParty: Eui64, device: Eui64, command: Pick<DiscardedCommand, 'originatorCounter'>): Buffer {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(command.originatorCounter);
  return Buffer.concat([eui64ToBytes(remoteParty), eui64ToBytes(device), Buffer.of(CRA_FLAG.command), counter]);
}
