/**
 * Every use-case handler the hub runs, CHF and GPF. A Device's handler table is added here with
 * one import and one spread.
 */
import { CHF_HANDLERS } from '../chf/use-cases/index.js';
import { DBCH_HANDLERS } from '../chf/index.js';
import { GPF_HANDLERS } from '../gpf/use-cases/index.js';
import type { UseCaseHandler } from '../use-case/index.js';

export const ALL_HANDLERS: readonly UseCaseHandler[] = [...CHF_HANDLERS, ...DBCH_HANDLERS, ...GPF_HANDLERS];
