// ECS35d: read the CHF Security Log entries recorded in a time range.
import { AccessUseCase, COSEM_CLASS, ECS35c } from '../../gbcs/payload/dlms/index.js';
import { defineHandler } from '../../hub/registry.js';
import { answerLogRead } from './log-read.js';

/**
 * The same buffer read as ECS35c, on the Security Log object. Its logical name is taken as the
 * Event Log's with E = 1; no RTDS vector pins it yet.
 */
export const SECURITY_LOG_OBIS = '0-0:99.98.1.255';

const eventLogStep = ECS35c.steps.eventLog;
export const ECS35D = new AccessUseCase('ECS35d', {
  eventLog: { ...eventLogStep, target: { classId: COSEM_CLASS.profileGeneric, instance: SECURITY_LOG_OBIS, member: 2 } },
});

export const ecs35d = defineHandler({
  useCase: 'ECS35d',
  device: 'CHF',
  decodeCommand: (payload) => ECS35D.decodeCommand(payload),
  handle: (context, command) => answerLogRead(ECS35D, context.chf.securityLog, command),
});
