// CCS02: remove a Device from the CHF Device Log, keeping its established TC link key in the Historic Device Log.
import { CCS02 } from '../../gbcs/payload/dlms/index.js';
import { defineHandler } from '../../use-case/index.js';
import { commandView, failureResult, RESULT } from './dlms-answers.js';

/**
 * HAN admission un-joins the Device when it leaves the log, and CS14 follows from the log's change
 * event. A Device that is not in the log is already "removed": success, and nothing changes.
 */
export const ccs02 = defineHandler({
  useCase: 'CCS02',
  device: 'CHF',
  async handle(context, command) {
    const { invokeId, parameters } = commandView<typeof CCS02.steps>(command);
    let result: number;
    try {
      await context.chf.deviceLog.remove(parameters.unregisterDevice);
      result = RESULT.success;
    } catch (error) {
      result = failureResult(error);
    }
    return { payload: CCS02.encodeResponse({ invokeId, results: { unregisterDevice: { result } } }) };
  },
});
