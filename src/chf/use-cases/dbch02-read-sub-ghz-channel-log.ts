/** DBCH02: read the CHF's Sub GHz Channel Log between two times: when the hub moved to which channel. */
import { eventLogRange, COSEM_CLASS, compactArray, doubleLongUnsigned, longUnsigned, octets, struct, AccessUseCase, step } from '../../gbcs/index.js';
import { defineHandler } from '../../use-case/index.js';
import { encodeChannel, SUB_GHZ_ALERTS, toBits, type ChannelLogEntry, type SubGhzState } from '../../subghz/index.js';
import { DBCH_RESULT } from './dbch-common.js';
import { failureResult } from './dlms-answers.js';

/** The Channel Log object (profile generic) as the RTDS DBCH02 command reads it. */
const CHANNEL_LOG_OBIS = '0-0:94.44.10.3';
const GBCS_EPOCH_MS = Date.UTC(2000, 0, 1);

const channelLogEntry = struct({ time: doubleLongUnsigned, eventCode: longUnsigned, detail: octets() });

export const DBCH02 = new AccessUseCase('DBCH02', {
  channelLog: step({
    kind: 'get-with-selection',
    target: { classId: COSEM_CLASS.profileGeneric, instance: CHANNEL_LOG_OBIS, member: 2 },
    selector: 1,
    request: eventLogRange,
    response: compactArray(channelLogEntry, {
      type: 'structure',
      items: [{ type: 'double-long-unsigned' }, { type: 'long-unsigned' }, { type: 'octet-string' }],
    }),
  }),
});

/**
 * One entry as the RTDS DBCH02 shows it: seconds since 2000, the channel-changed code 0x8F26, and
 * octets of the channel's 32-bit value followed by the DBCH07 detail as encoded Data (09 01 nn,
 * the channel number on its page).
 */
function entryValue(entry: ChannelLogEntry): { time: number; eventCode: number; detail: Buffer } {
  return {
    time: Math.floor((entry.at - GBCS_EPOCH_MS) / 1000),
    eventCode: SUB_GHZ_ALERTS.channelChanged,
    detail: Buffer.concat([toBits(encodeChannel(entry.channel)), Buffer.of(0x09, 0x01, entry.channel.channel)]),
  };
}

/** The entries from `from` to `to` (both seconds since 2000, both inclusive), oldest first. */
async function entriesBetween(subGhz: SubGhzState, from: number, to: number) {
  const entries = (await subGhz.readChannelLog()).map(entryValue);
  return entries.filter((entry) => entry.time >= from && entry.time <= to);
}

export async function answerDbch02(command: Buffer, subGhz: SubGhzState | undefined): Promise<Buffer> {
  const view = DBCH02.decodeCommand(command);
  const { from, to } = view.parameters.channelLog;
  let outcome;
  if (!subGhz) outcome = { result: DBCH_RESULT.hardwareFault };
  else {
    try {
      outcome = { result: DBCH_RESULT.success, value: await entriesBetween(subGhz, from, to) };
    } catch (error) {
      outcome = { result: failureResult(error) };
    }
  }
  return DBCH02.encodeResponse({ invokeId: view.invokeId, results: { channelLog: outcome } });
}

export const dbch02Handler = defineHandler({
  useCase: 'DBCH02',
  device: 'CHF',
  // Read before the command's counter is taken, so a malformed range is refused and changes nothing.
  decodeCommand: (payload) => DBCH02.decodeCommand(payload),
  handle: async (context, command) => ({ payload: await answerDbch02(command.message.payload, context.subGhz) }),
});
