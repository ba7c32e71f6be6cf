/** The CHF's use-case handlers: one file per use case, each listed here once. */
import type { UseCaseHandler } from '../../hub/use-case.js';
import { ccs06 } from './ccs06-read-device-log.js';

export const CHF_HANDLERS: readonly UseCaseHandler[] = [ccs06];

export { LinkStatisticsTable } from './link-statistics.js';
