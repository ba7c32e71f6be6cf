/** DBCH05: ask the CHF for a Sub GHz channel scan; the assessment follows as DBCH08, a channel change as DBCH07. */
import type { Logger } from '../../../hal/log.js';
import { COSEM_CLASS, OBIS, unsigned, AccessUseCase, step, none } from '../../gbcs/index.js';
import { defineHandler } from '../../use-case/index.js';
import type { SubGhzState } from '../../subghz/index.js';
import { DBCH_RESULT } from './dbch-common.js';

/** A set of the Channel Scan object's value; the RTDS sends unsigned 0. */
export const DBCH05 = new AccessUseCase('DBCH05', {
  channelScan: step({ kind: 'set', target: { classId: COSEM_CLASS.data, instance: OBIS.subGhzChannelScan, member: 2 }, request: unsigned, response: none }),
});

/**
 * Success means the request was taken: whether a scan runs is the assessment's to say (DBCH08),
 * so the response does not wait for the scan, which takes the radio's time.
 */
export function answerDbch05(command: Buffer, subGhz: SubGhzState | undefined, logger?: Logger): Buffer {
  const { invokeId } = DBCH05.decodeCommand(command);
  if (!subGhz) return DBCH05.encodeResponse({ invokeId, results: { channelScan: { result: DBCH_RESULT.hardwareFault } } });
  subGhz.requestScan().catch((error: unknown) => logger?.error({ err: error }, 'Sub GHz channel scan failed'));
  return DBCH05.encodeResponse({ invokeId, results: { channelScan: { result: DBCH_RESULT.success } } });
}

export const dbch05Handler = defineHandler({
  useCase: 'DBCH05',
  device: 'CHF',
  // Read before the command's counter is taken, so a malformed request is refused and changes nothing.
  decodeCommand: (payload) => DBCH05.decodeCommand(payload),
  handle: async (context, command) => ({ payload: answerDbch05(command.message.payload, context.subGhz, context.logger) }),
});
