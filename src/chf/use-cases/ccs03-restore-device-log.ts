// CCS03: replace the CHF Device Log with another hub's backup, then form the HAN with the extended PAN id the command names.
import { CCS03, type DeviceLogRestore } from '../../gbcs/payload/dlms/index.js';
import { defineHandler, type HandlerContext } from '../../use-case/index.js';
import { replaceLogAndFormNetwork } from '../backup.js';
import type { RestoredDevice } from '../device-log.js';
import { TYPE_NOT_YET_KNOWN } from '../../security/device-types.js';
import { HASHED_LINK_KEY_LENGTH } from '../link-key-hash.js';
import { failureResult, RESULT, commandView, type ResultCode } from './dlms-answers.js';

/**
 * The Devices to restore, or undefined when the backup cannot be one this hub takes (more Devices
 * than it holds, one twice, the CHF itself, a hashed key of the wrong length): then nothing changes.
 *
 * The backup names no types, so each Device is restored as not yet known until its next CCS01. Its
 * hashed TC link key cannot give back the key: the Device joins again with the install code CCS01
 * brings, as backup.ts's restore does.
 */
function restorable(context: HandlerContext, backup: DeviceLogRestore): RestoredDevice[] | undefined {
  const { devices } = backup;
  if (devices.length > context.chf.deviceLog.capacity) return undefined;
  const euis = new Set(devices.map((device) => device.deviceId));
  if (euis.size !== devices.length || euis.has(context.identity.chf)) return undefined;
  const hashesFit = devices.every(({ hashedTcLinkKey }) => hashedTcLinkKey.length === 0 || hashedTcLinkKey.length === HASHED_LINK_KEY_LENGTH);
  if (!hashesFit) return undefined;
  return devices.map((device) => ({ eui64: device.deviceId, deviceType: TYPE_NOT_YET_KNOWN }));
}

async function restore(context: HandlerContext, backup: DeviceLogRestore): Promise<ResultCode> {
  const devices = restorable(context, backup);
  if (!devices) return RESULT.otherReason;
  // Without a radio the network cannot be formed: refuse before the log changes, not half-way.
  const { network } = context.chf;
  if (!network) return RESULT.hardwareFault;
  try {
    await replaceLogAndFormNetwork(context.chf.deviceLog, network, devices, backup.extendedPanId.toString('hex'));
    return RESULT.success;
  } catch (error) {
    return failureResult(error);
  }
}

export const ccs03 = defineHandler({
  useCase: 'CCS03',
  device: 'CHF',
  async handle(context, command) {
    const { invokeId, parameters } = commandView<typeof CCS03.steps>(command);
    const result = await restore(context, parameters.restorePan);
    return { payload: CCS03.encodeResponse({ invokeId, results: { restorePan: { result } } }) };
  },
});
