import type { JSONSchemaType } from 'ajv';
import type { LogEntry } from '../../logs/index.js';
import type { Operation } from '../operation.js';

/** `logs.read`: the CHF Event Log or Security Log, newest first. Reading only. */
export interface LogsArgs {
  log: 'event' | 'security';
  limit?: number;
}

const schema = {
  type: 'object',
  properties: { log: { type: 'string', enum: ['event', 'security'] }, limit: { type: 'integer', minimum: 1, nullable: true } },
  required: ['log'],
  additionalProperties: false,
} satisfies JSONSchemaType<LogsArgs>;

const LOGS = { event: 'eventLog', security: 'securityLog' } as const;

export const logsRead: Operation<LogsArgs, LogEntry[]> = {
  name: 'logs.read',
  wan: true,
  args: schema,
  // The logs hold no personal data, so no data key is needed to read them.
  sealed: false,
  async run(context, { log, limit }) {
    return (await context.logs())[LOGS[log]].newest(limit);
  },
};
