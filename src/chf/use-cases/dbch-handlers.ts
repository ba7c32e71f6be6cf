/** The dual-band (Sub GHz) command handlers DBCH01..DBCH05; their alerts DBCH06..11 are raised by dbch-alerts.ts. */
import type { UseCaseHandler } from '../../use-case/index.js';
import { dbch01Handler } from './dbch01-read-sub-ghz-channel.js';
import { dbch02Handler } from './dbch02-read-sub-ghz-channel-log.js';
import { dbch03Handler } from './dbch03-read-sub-ghz-configuration.js';
import { dbch04Handler } from './dbch04-set-sub-ghz-configuration.js';
import { dbch05Handler } from './dbch05-request-sub-ghz-channel-scan.js';

export const DBCH_HANDLERS: readonly UseCaseHandler[] = [dbch01Handler, dbch02Handler, dbch03Handler, dbch04Handler, dbch05Handler];
