// CCS04 (and CCS05, Message Code 0x0004): read the CHF Device Log with each Device's last communication and link statistics, as CCS06 does.
import { CCS04 } from '../../gbcs/payload/dlms/index.js';
import { defineHandler } from '../../use-case/index.js';
import { answerActiveDevices } from './ccs06-read-device-log.js';

/**
 * The RTDS (8.9 CCS05CCS04) asks for and answers exactly what CCS06 does: active_devices, one
 * structure per Device. CCS05's HAN communications check is the hub's last communication with
 * each Device, which the entries carry.
 */
export const ccs04 = defineHandler({ useCase: 'CCS04', device: 'CHF', handle: (context, command) => answerActiveDevices(CCS04, context, command) });
