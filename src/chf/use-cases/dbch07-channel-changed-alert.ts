/** DBCH07: the CHF now operates on another Sub GHz channel; the alert carries the channel. */
import { DBCH07 } from '../../gbcs/index.js';
import type { SubGhzChannel } from '../../subghz/index.js';
import { channelBits } from './dbch-common.js';
import { fromView } from './dbch-alert-format.js';

export const DBCH07_ALERT = fromView('DBCH07', DBCH07);

/**
 * The alert body: the channel as a 32-bit bit-string, then one octet holding the channel number on
 * its page. The RTDS DBCH07 (page 28 channel 0: 00) and every entry of the RTDS DBCH02 Channel Log
 * (channels 0..7 with octets 00..07) agree on that octet.
 */
export function channelChangeBody(channel: SubGhzChannel): { channel: ReturnType<typeof channelBits>; detail: Buffer } {
  return { channel: channelBits(channel), detail: Buffer.of(channel.channel) };
}
