/** DBCH04: set the CHF's Sub GHz Configuration; the Sub GHz state then raises DBCH09 with the new one. */
import { DBCH04 } from '../../gbcs/index.js';
import { HubError } from '../../../hal/errors.js';
import { configurationFromDlms, SUB_GHZ_SETTINGS, SubGhzError, type SubGhzState } from '../../subghz/index.js';
import { defineHandler } from '../../use-case/index.js';
import { bitsValue, DBCH_RESULT } from './dbch-common.js';

type Dbch04Command = ReturnType<typeof DBCH04.decodeCommand>;
type DlmsConfiguration = Dbch04Command['parameters']['configuration'];

/** Four 32-bit masks, then each setting with the DLMS type the table gives it. */
function hasConfigurationTypes(channelMasks: DlmsConfiguration['channelMasks'], settings: DlmsConfiguration['settings']): boolean {
  return (
    channelMasks.length === 4 &&
    channelMasks.every((mask) => mask.bits === 32) &&
    settings.length === SUB_GHZ_SETTINGS.length &&
    settings.every((setting, i) => setting.type === SUB_GHZ_SETTINGS[i]!.type)
  );
}

/** The DLMS result for a set: success, or why not. Nothing changes unless it is success. */
async function setConfiguration(command: Dbch04Command, subGhz: SubGhzState | undefined): Promise<number> {
  if (!subGhz) return DBCH_RESULT.hardwareFault;
  const { channelMasks, settings } = command.parameters.configuration;
  if (!hasConfigurationTypes(channelMasks, settings)) return DBCH_RESULT.typeUnmatched;
  let configuration;
  try {
    configuration = configurationFromDlms(
      channelMasks.map((mask, i) => bitsValue(mask, `configuration.channelMasks[${i}]`)),
      settings,
    );
  } catch (error) {
    if (error instanceof HubError) return DBCH_RESULT.otherReason;
    throw error;
  }
  try {
    await subGhz.setConfiguration(configuration);
    return DBCH_RESULT.success;
  } catch (error) {
    // Checked above, so what is left is the state refusing to write: report it, change nothing.
    if (error instanceof SubGhzError) return DBCH_RESULT.hardwareFault;
    throw error;
  }
}

export async function answerDbch04(command: Buffer, subGhz: SubGhzState | undefined): Promise<Buffer> {
  const view = DBCH04.decodeCommand(command);
  const result = await setConfiguration(view, subGhz);
  return DBCH04.encodeResponse({ invokeId: view.invokeId, results: { configuration: { result } } });
}

export const dbch04Handler = defineHandler({
  useCase: 'DBCH04',
  device: 'CHF',
  handle: async (context, command) => ({ payload: await answerDbch04(command.message.payload, context.subGhz) }),
});
