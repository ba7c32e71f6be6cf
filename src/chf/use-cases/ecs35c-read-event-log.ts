// ECS35c: read the CHF Event Log entries recorded in a time range.
import { ECS35c } from '../../gbcs/payload/dlms/index.js';
import { defineHandler } from '../../use-case/index.js';
import { answerLogRead } from './log-read.js';

export const ecs35c = defineHandler({
  useCase: 'ECS35c',
  device: 'CHF',
  handle: (context, command) => answerLogRead(ECS35c, context.chf.eventLog, command, (entry) => entry),
});
