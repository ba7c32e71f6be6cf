/** DBCH01: read the Sub GHz channel the CHF operates on. */
import { DBCH01 } from '../../gbcs/index.js';
import type { SubGhzState } from '../../subghz/index.js';
import { defineHandler } from '../../use-case/index.js';
import { channelBits, DBCH_RESULT } from './dbch-common.js';

/** The response payload; hardware-fault when the hub has no Sub GHz side or no Sub GHz network yet. */
export function answerDbch01(command: Buffer, subGhz: SubGhzState | undefined): Buffer {
  const { invokeId } = DBCH01.decodeCommand(command);
  const channel = subGhz?.currentChannel() ?? null;
  const outcome = channel ? { result: DBCH_RESULT.success, value: channelBits(channel) } : { result: DBCH_RESULT.hardwareFault };
  return DBCH01.encodeResponse({ invokeId, results: { channel: outcome } });
}

export const dbch01Handler = defineHandler({
  useCase: 'DBCH01',
  device: 'CHF',
  handle: async (context, command) => ({ payload: answerDbch01(command.message.payload, context.subGhz) }),
});
