/** DBCH11: a Device could not join at Sub GHz because the CHF has no Sub GHz capacity left; the alert names the Device. */
import { eui64 } from '../../gbcs/index.js';
import { SUB_GHZ_ALERTS } from '../../subghz/index.js';
import { dbchAlert } from './dbch-alert-format.js';

export const DBCH11_ALERT = dbchAlert('DBCH11', SUB_GHZ_ALERTS.noMoreSubGhzCapacity, eui64);
