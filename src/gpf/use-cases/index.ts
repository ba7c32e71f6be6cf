/** The GPF's use-case handlers: one file per use case, each listed here once. GCS62 is an alert, raised by watchGpfDeviceLog. */
import type { UseCaseHandler } from '../../use-case/index.js';
import { gpfCs02b } from './cs02b-update-security-credentials.js';
import { gcs09 } from './gcs09-set-change-of-tenancy.js';
import { gcs11 } from './gcs11-disable-privacy-pin.js';
import { gcs13a } from './gcs13a-read-consumption-register.js';
import { gcs13b } from './gcs13b-read-block-counters.js';
import { gcs13c } from './gcs13c-read-tou-registers.js';
import { gcs14 } from './gcs14-read-prepayment-registers.js';
import { gcs16b } from './gcs16b-read-prepayment-daily-read-log.js';
import { gcs59 } from './gcs59-restore-gpf-device-log.js';
import { gcs60 } from './gcs60-read-meter-balance.js';
import { gcs60a } from './gcs60a-read-meter-balance.js';
import { gcs61 } from './gcs61-read-daily-consumption-log.js';

export const GPF_HANDLERS: readonly UseCaseHandler[] = [gpfCs02b, gcs09, gcs11, gcs13a, gcs13b, gcs13c, gcs14, gcs16b, gcs59, gcs60, gcs60a, gcs61];

export { watchGpfDeviceLog } from './gcs62-gpf-device-log-backup-alert.js';
