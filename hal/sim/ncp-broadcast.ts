import { EmberCounterType, EmberOutgoingMessageType } from '../ezsp/index.js';
import { countFrame } from './ncp-services.js';
import type { CommandHandlers } from './ncp-context.js';

/**
 * Broadcasts (a host's ZDO permit-joining to 0xFFFC, Green Power commissioning to 0xFFFD, address
 * requests to 0xFFFD/0xFFFF): answered with the APS counter, sent, and reported sent, as an NCP
 * does once its broadcast has gone out. The simulated Devices do not act on broadcasts.
 */

/** 0xFFF8..0xFFFF are broadcast addresses; only 0xFFFC (routers), 0xFFFD (rx-on) and 0xFFFF (all) are used. */
const BROADCAST_DESTINATIONS: readonly number[] = [0xfffc, 0xfffd, 0xffff];

export const BROADCAST_HANDLERS: CommandHandlers = {
  sendBroadcast: (ncp, { destination, apsFrame, messageTag, messageContents }) => {
    if (!ncp.ram.networkUp) return { status: ncp.status('NETWORK_DOWN'), sequence: 0 };
    if (!BROADCAST_DESTINATIONS.includes(destination)) return { status: ncp.status('BAD_ARGUMENT'), sequence: 0 };
    const sequence = ncp.ram.nextApsCounter();
    countFrame(ncp, EmberCounterType.APS_DATA_TX_BROADCAST, true);
    const contents = Buffer.from(messageContents);
    ncp.soon(() =>
      ncp.callback('messageSentHandler', {
        status: ncp.status('SUCCESS'),
        type: EmberOutgoingMessageType.BROADCAST,
        indexOrDestination: destination,
        apsFrame: { ...apsFrame, sequence },
        messageTag,
        messageContents: contents,
      }),
    );
    return { status: ncp.status('SUCCESS'), sequence };
  },
};
