/** DBCH06: the CHF told a Sub GHz Device to pause for duty cycle; the alert names the Device. */
import { eui64 } from '../../gbcs/index.js';
import { SUB_GHZ_ALERTS } from '../../subghz/index.js';
import { dbchAlert } from './dbch-alert-format.js';

export const DBCH06_ALERT = dbchAlert('DBCH06', SUB_GHZ_ALERTS.limitedDutyCycleActionTaken, eui64);
