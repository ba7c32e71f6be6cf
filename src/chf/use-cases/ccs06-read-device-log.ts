// CCS06: read the CHF Device Log with, for each Device, when it last communicated and its link statistics.
import { CCS06, type ActiveDevice } from '../../gbcs/payload/dlms/index.js';
import { defineHandler, type HandlerContext, type LinkStatistics, type UseCaseCommand, type UseCaseResult } from '../../use-case/index.js';
import type { DeviceLogEntry } from '../device-log.js';
import { commandView, failureResult, gbcsTimestampWithWeekday, RESULT, UNSPECIFIED_TIMESTAMP } from './dlms-answers.js';

/** What CCS06 reports for a Device the HAN layer has no statistics for yet. */
const NO_STATISTICS: LinkStatistics = {
  status: { bits: 8, value: Buffer.of(0) },
  rssi: { max: 0, average: 0, min: 0 },
  lqi: { max: 0, average: 0, min: 0 },
  numberOfHops: 0,
  transmissionFailures: 0,
  transmissionSuccesses: 0,
  applicationVersion: 0,
  stackVersion: 0,
};

function activeDevice(entry: DeviceLogEntry, stats: LinkStatistics): ActiveDevice {
  return {
    deviceId: entry.eui64,
    status: stats.status,
    maxRssi: stats.rssi.max,
    averageRssi: stats.rssi.average,
    minRssi: stats.rssi.min,
    maxLqi: stats.lqi.max,
    averageLqi: stats.lqi.average,
    minLqi: stats.lqi.min,
    lastCommunication: entry.lastCommunication === undefined ? UNSPECIFIED_TIMESTAMP : gbcsTimestampWithWeekday(entry.lastCommunication),
    numberOfHops: stats.numberOfHops,
    transmissionFailures: stats.transmissionFailures,
    transmissionSuccesses: stats.transmissionSuccesses,
    applicationVersion: stats.applicationVersion,
    stackVersion: stats.stackVersion,
  };
}

/** The GPF lives inside the hub and has no HAN link to report, so it is left out (GBCS allows that). */
async function activeDevices(context: HandlerContext): Promise<ActiveDevice[]> {
  const { deviceLog, linkStatistics } = context.chf;
  // Flushing first makes the answer what the hub would still say after a power cut.
  await deviceLog.flush();
  return deviceLog
    .list()
    .filter((entry) => entry.deviceType !== 'GPF')
    .map((entry) => activeDevice(entry, linkStatistics.get(entry.eui64) ?? NO_STATISTICS));
}

/** CCS06 and CCS04 answer the same read of active_devices. */
export async function answerActiveDevices(useCase: typeof CCS06, context: HandlerContext, command: UseCaseCommand): Promise<UseCaseResult> {
  const { invokeId } = commandView<typeof CCS06.steps>(command);
  let outcome;
  try {
    outcome = { result: RESULT.success, value: await activeDevices(context) };
  } catch (error) {
    outcome = { result: failureResult(error) };
  }
  return { payload: useCase.encodeResponse({ invokeId, results: { activeDevices: outcome } }) };
}

export const ccs06 = defineHandler({ useCase: 'CCS06', device: 'CHF', handle: (context, command) => answerActiveDevices(CCS06, context, command) });
