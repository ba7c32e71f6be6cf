/** The CHF's use-case handlers: one file per use case, each listed here once. */
import type { UseCaseHandler } from '../../use-case/index.js';
import { ccs01 } from './ccs01-add-device.js';
import { ccs02 } from './ccs02-remove-device.js';
import { ccs03 } from './ccs03-restore-device-log.js';
import { ccs04 } from './ccs04-read-device-log.js';
import { ccs06 } from './ccs06-read-device-log.js';
import { ccs07 } from './ccs07-read-device-logs.js';
import { cs02a } from './cs02a-provide-security-credentials.js';
import { cs02b } from './cs02b-update-security-credentials.js';
import { cs06 } from './cs06-activate-firmware.js';
import { cs07 } from './cs07-read-device-join-details.js';
import { cs11 } from './cs11-clear-event-log.js';
import { ecs26i } from './ecs26i-read-chf-identity.js';
import { ecs26n } from './ecs26n-read-identity.js';
import { ecs35c } from './ecs35c-read-event-log.js';
import { ecs35d } from './ecs35d-read-security-log.js';
import { ecs52 } from './ecs52-read-firmware-version.js';

export const CHF_HANDLERS: readonly UseCaseHandler[] = [ccs01, ccs02, ccs03, ccs04, ccs06, ccs07, cs02a, cs02b, cs06, cs07, cs11, ecs26i, ecs26n, ecs35c, ecs35d, ecs52];

export { LinkStatisticsTable } from './link-statistics.js';
