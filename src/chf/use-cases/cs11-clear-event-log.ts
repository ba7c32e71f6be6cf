// CS11: clear the CHF Event Log (the clearing is itself recorded in the Security Log, which no command can clear).
import { AccessUseCase, COSEM_CLASS, OBIS } from '../../gbcs/payload/dlms/index.js';
import { anyData, none, step } from '../../gbcs/index.js';
import { defineHandler } from '../../use-case/index.js';
import { commandView, failureResult, RESULT } from './dlms-answers.js';

/** The profile generic's reset method (1) on the Event Log; its parameter (GBCS sends integer 0) is not used. */
export const CS11 = new AccessUseCase('CS11', {
  reset: step({ kind: 'action', target: { classId: COSEM_CLASS.profileGeneric, instance: OBIS.eventLog, member: 1 }, request: anyData, response: none }),
});

export const cs11 = defineHandler({
  useCase: 'CS11',
  device: 'CHF',
  decodeCommand: (payload) => CS11.decodeCommand(payload),
  async handle(context, command) {
    const { invokeId } = commandView<typeof CS11.steps>(command);
    let result: number;
    try {
      await context.chf.eventLog.clear();
      result = RESULT.success;
    } catch (error) {
      result = failureResult(error);
    }
    return { payload: CS11.encodeResponse({ invokeId, results: { reset: { result } } }) };
  },
});
