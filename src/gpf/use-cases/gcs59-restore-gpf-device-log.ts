/** GCS59: restore the GPF Device Log from a backup (of a hub being replaced), answering each entry's outcome. */
import { decodeAsn1, encodeAsn1, gpfDeviceLogEntry, integer, sequence, sequenceOf } from '../../gbcs/index.js';
import { defineHandler, type HandlerContext, type UseCaseCommand, type UseCaseResult } from '../../use-case/index.js';
import { RESTORE_OUTCOMES, type GpfDeviceLogBackup } from '../index.js';
import { gpfOf } from './gbz-answers.js';

export const restoreCommand = sequence({ entries: sequenceOf(gpfDeviceLogEntry) });
export const restoreResponse = sequence({ outcomes: sequenceOf(sequence({ entry: gpfDeviceLogEntry, joinResponseCode: integer })) });

/**
 * Each entry is judged on its own (GpfDeviceLog.restore): restored, already there, a type the GPF
 * does not log, a clash with an entry held, or no room. The accepted ones are written in one batch,
 * and the change raises GCS62. A payload that is not a restore command is refused before the counter.
 */
export async function answerGcs59(context: HandlerContext, command: UseCaseCommand): Promise<UseCaseResult> {
  const gpf = gpfOf(context);
  const { entries } = decodeAsn1(restoreCommand, command.message.payload);
  // A backup names types by GBCS code only; restore() reads the code when no name is given.
  const restored = entries.map((entry) => ({ eui64: entry.deviceId, deviceTypeCode: entry.deviceType })) as unknown as GpfDeviceLogBackup['entries'];
  const outcomes = await gpf.deviceLog.restore({ entries: restored });
  return {
    payload: encodeAsn1(restoreResponse, {
      outcomes: entries.map((entry, i) => ({ entry, joinResponseCode: RESTORE_OUTCOMES[outcomes[i]!] })),
    }),
  };
}

/** A DCC service: the RTDS GCS59 comes from the Access Control Broker itself, with no user behind it. */
export const gcs59 = defineHandler({
  useCase: 'GCS59',
  device: 'GPF',
  allowedRoles: ['accessControlBroker'],
  // Read before the command's counter is taken, so a malformed backup is refused and changes nothing.
  decodeCommand: (payload) => decodeAsn1(restoreCommand, payload),
  handle: answerGcs59,
});
