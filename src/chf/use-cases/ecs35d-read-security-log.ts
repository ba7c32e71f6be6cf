// ECS35d: read the CHF Security Log entries recorded in a time range.
import { ECS35d } from '../../gbcs/payload/dlms/index.js';
import { defineHandler } from '../../use-case/index.js';
import { answerLogRead } from './log-read.js';

export const ecs35d = defineHandler({
  useCase: 'ECS35d',
  device: 'CHF',
  // Security Log entries carry no octets: the time and the event code alone.
  handle: (context, command) => answerLogRead(ECS35d, context.chf.securityLog, command, ({ time, eventCode }) => ({ time, eventCode })),
});
