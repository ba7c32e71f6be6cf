/** DBCH03: read the CHF's Sub GHz Configuration (channel masks, duty-cycle thresholds, timers). */
import { DBCH03, type IntegerType } from '../../gbcs/index.js';
import { configurationToDlms, toBits, type SubGhzState } from '../../subghz/index.js';
import { defineHandler } from '../../use-case/index.js';
import { DBCH_RESULT } from './dbch-common.js';

/** The response payload; hardware-fault when the hub has no Sub GHz side. */
export function answerDbch03(command: Buffer, subGhz: SubGhzState | undefined): Buffer {
  const { invokeId } = DBCH03.decodeCommand(command);
  if (!subGhz) return DBCH03.encodeResponse({ invokeId, results: { configuration: { result: DBCH_RESULT.hardwareFault } } });
  const { channelMasks, settings } = configurationToDlms(subGhz.configuration());
  const value = {
    channelMasks: channelMasks.map((mask) => ({ bits: 32, value: toBits(mask) })),
    settings: settings.map((setting) => ({ type: setting.type as IntegerType, value: setting.value })),
  };
  return DBCH03.encodeResponse({ invokeId, results: { configuration: { result: DBCH_RESULT.success, value } } });
}

export const dbch03Handler = defineHandler({
  useCase: 'DBCH03',
  device: 'CHF',
  handle: async (context, command) => ({ payload: answerDbch03(command.message.payload, context.subGhz) }),
});
