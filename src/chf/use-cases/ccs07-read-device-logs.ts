// CCS07: read the CHF Device Log and the CHF Historic Device Log, each entry with the hash of its TC link key.
import { CCS07, type DeviceLogBackup as DlmsDeviceLogBackup } from '../../gbcs/payload/dlms/index.js';
import { defineHandler, type HandlerContext } from '../../use-case/index.js';
import { hashTcLinkKey } from '../link-key-hash.js';
import { commandView, failureResult, gbcsTimestamp, RESULT, type ResultCode } from './dlms-answers.js';

type Outcome = { result: ResultCode; value?: DlmsDeviceLogBackup };

/** backup_PAN of the live log: flushed first, so what is read is what is on disk. */
async function deviceLogBackup(context: HandlerContext): Promise<DlmsDeviceLogBackup> {
  await context.chf.deviceLog.flush();
  return {
    backupDateTime: gbcsTimestamp(context.clock.now()),
    extendedPanId: context.chf.extendedPanId(),
    devices: context.chf.deviceLog.view().map((device) => ({ deviceId: device.eui64, hashedTcLinkKey: device.hashedTcLinkKey })),
  };
}

function historicBackup(context: HandlerContext): DlmsDeviceLogBackup {
  return {
    backupDateTime: gbcsTimestamp(context.clock.now()),
    extendedPanId: context.chf.extendedPanId(),
    devices: context.chf.deviceLog.historic.list().map((entry) => ({ deviceId: entry.eui64, hashedTcLinkKey: hashTcLinkKey(entry.tcLinkKey) })),
  };
}

async function attempt(read: () => DlmsDeviceLogBackup | Promise<DlmsDeviceLogBackup>): Promise<Outcome> {
  try {
    return { result: RESULT.success, value: await read() };
  } catch (error) {
    return { result: failureResult(error) };
  }
}

export const ccs07 = defineHandler({
  useCase: 'CCS07',
  device: 'CHF',
  async handle(context, command) {
    const { invokeId } = commandView<typeof CCS07.steps>(command);
    const live = await attempt(() => deviceLogBackup(context));
    // The historic log is read only when the live one could be: a failed first access leaves the second unattempted.
    const historic: Outcome = live.result === RESULT.success ? await attempt(() => historicBackup(context)) : { result: RESULT.otherReason };
    return { payload: CCS07.encodeResponse({ invokeId, results: { deviceLog: live, historicDeviceLog: historic } }) };
  },
});
