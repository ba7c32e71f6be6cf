/** The CHF's use-case handlers: one file per use case, each listed here once. */
import type { UseCaseHandler } from '../../hub/use-case.js';
import { ccs01 } from './ccs01-add-device.js';
import { ccs02 } from './ccs02-remove-device.js';
import { ccs06 } from './ccs06-read-device-log.js';
import { ccs07 } from './ccs07-read-device-logs.js';
import { ecs35c } from './ecs35c-read-event-log.js';
import { ecs35d } from './ecs35d-read-security-log.js';

export const CHF_HANDLERS: readonly UseCaseHandler[] = [ccs01, ccs02, ccs06, ccs07, ecs35c, ecs35d];

export { LinkStatisticsTable } from './link-statistics.js';
