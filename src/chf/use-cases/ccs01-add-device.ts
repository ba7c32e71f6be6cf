// CCS01: add a Device (EUI-64, type, install code) to the CHF Device Log, then open its join window for join_timeout.
import { InstallCodeError, withInstallCodeCrc } from '../../../hal/install-code.js';
import { CCS01 } from '../../gbcs/payload/dlms/index.js';
import { defineHandler, type HandlerContext } from '../../use-case/index.js';
import { deviceTypeByCode } from '../../security/device-types.js';
import { DeviceLogError } from '../errors.js';
import { commandView, failureResult, RESULT, type ResultCode } from './dlms-answers.js';

type Parameters = ReturnType<typeof commandView<typeof CCS01.steps>>['parameters'];

/** The failures that are the command's fault (an unloggable type, a bad install code, a zero join_timeout), not the hub's. */
const COMMAND_FAULTS: ReadonlySet<string> = new Set(['DEVICE_TYPE_UNKNOWN', 'DEVICE_TYPE_NOT_LOGGABLE', 'INSTALL_CODE_MISSING', 'JOIN_TIMEOUT_INVALID']);

function resultOf(error: unknown): ResultCode {
  if (error instanceof InstallCodeError) return RESULT.otherReason;
  if (error instanceof DeviceLogError && COMMAND_FAULTS.has(error.code)) return RESULT.otherReason;
  return failureResult(error);
}

async function register(context: HandlerContext, { registerDevice }: Parameters): Promise<ResultCode> {
  const deviceType = deviceTypeByCode(registerDevice.deviceType);
  if (!deviceType) return RESULT.otherReason;
  try {
    // The command carries the bare install code; the log keeps it with its CRC, as the radio needs it.
    const installCode = withInstallCodeCrc(registerDevice.installCode);
    await context.chf.deviceLog.add({ eui64: registerDevice.deviceId, deviceType, installCode, origin: 'CCS01' });
    return RESULT.success;
  } catch (error) {
    return resultOf(error);
  }
}

/** Joining for join_timeout seconds (when enabled): the join window does the historic-key and install-code halves. */
async function openJoining(context: HandlerContext, { registerDevice, joinTimeout, joiningEnabled }: Parameters): Promise<ResultCode> {
  if (!joiningEnabled) return RESULT.success;
  const windows = context.chf.joinWindows;
  if (!windows) return RESULT.hardwareFault;
  try {
    await windows.open(registerDevice.deviceId, joinTimeout);
    return RESULT.success;
  } catch (error) {
    return resultOf(error);
  }
}

export const ccs01 = defineHandler({
  useCase: 'CCS01',
  device: 'CHF',
  async handle(context, command) {
    const { invokeId, parameters } = commandView<typeof CCS01.steps>(command);
    const registered = await register(context, parameters);
    const joining = registered === RESULT.success ? await openJoining(context, parameters) : RESULT.otherReason;
    // join_timeout and enable_disable_joining are set together by opening the window: the second reports "not attempted" when the first failed.
    const enabled = joining === RESULT.success ? RESULT.success : RESULT.otherReason;
    return {
      payload: CCS01.encodeResponse({
        invokeId,
        results: { registerDevice: { result: registered }, joinTimeout: { result: joining }, joiningEnabled: { result: enabled } },
      }),
    };
  },
});
