/** DBCH09: the CHF's Sub GHz Configuration changed (a DBCH04 took effect); the alert carries the whole new configuration. */
import { DBCH09, type IntegerType } from '../../gbcs/index.js';
import { configurationToDlms, toBits, type SubGhzConfiguration } from '../../subghz/index.js';
import { fromView } from './dbch-alert-format.js';

export const DBCH09_ALERT = fromView('DBCH09', DBCH09);

/** The configuration in the DLMS form DBCH03 reads and DBCH09 reports. */
export function configurationValue(configuration: SubGhzConfiguration): ReturnType<typeof DBCH09.decode>['body'] {
  const { channelMasks, settings } = configurationToDlms(configuration);
  return {
    channelMasks: channelMasks.map((mask) => ({ bits: 32, value: toBits(mask) })),
    settings: settings.map((setting) => ({ type: setting.type as IntegerType, value: setting.value })),
  };
}
