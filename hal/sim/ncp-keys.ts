import { SecManFlag, SecManKeyType, SLStatus, type SecManContext } from '../ezsp/index.js';
import type { CommandHandlers, NcpContext } from './ncp-context.js';

/**
 * The security manager's keys as a host reads them to check or back up its network: the network
 * key, the trust centre link key and the key table, all from flash. Statuses are sl_status_t in
 * every EZSP version these frames exist in.
 */

const NO_KEY = Buffer.alloc(16);

interface Exported {
  status: number;
  key: Buffer;
  context: SecManContext;
}

function linkKeyByContext(ncp: NcpContext, context: SecManContext): Exported {
  const byEui = (context.flags & SecManFlag.EUI_IS_VALID) !== 0;
  const entry = byEui ? ncp.nvm.key(context.eui64) : ncp.nvm.keyAt(context.keyIndex);
  if (!entry) return { status: SLStatus.NOT_FOUND, key: NO_KEY, context };
  return { status: SLStatus.OK, key: Buffer.from(entry.key), context: { ...context, eui64: entry.eui64, keyIndex: ncp.nvm.keyIndex(entry.eui64) } };
}

function exportKey(ncp: NcpContext, context: SecManContext): Exported {
  const network = ncp.nvm.network;
  if (!network) return { status: SLStatus.NOT_FOUND, key: NO_KEY, context };
  switch (context.coreKeyType) {
    case SecManKeyType.NETWORK:
      // Index 0 is the active key; this NCP never holds an alternate one.
      return context.keyIndex === 0 ? { status: SLStatus.OK, key: Buffer.from(network.networkKey), context } : { status: SLStatus.NOT_FOUND, key: NO_KEY, context };
    case SecManKeyType.TC_LINK:
      return { status: SLStatus.OK, key: Buffer.from(network.trustCentreLinkKey), context };
    case SecManKeyType.APP_LINK:
    case SecManKeyType.TC_LINK_WITH_TIMEOUT:
      return linkKeyByContext(ncp, context);
    default:
      return { status: SLStatus.INVALID_PARAMETER, key: NO_KEY, context };
  }
}

export const KEY_HANDLERS: CommandHandlers = {
  clearKeyTable: (ncp) => {
    ncp.nvm.clearKeys();
    return { status: ncp.status('SUCCESS') };
  },

  getNetworkKeyInfo: (ncp) => {
    const network = ncp.nvm.network;
    return {
      status: network ? SLStatus.OK : SLStatus.NOT_JOINED,
      networkKeyInfo: {
        networkKeySet: network !== undefined,
        alternateNetworkKeySet: false,
        networkKeySequenceNumber: network?.networkKeySequenceNumber ?? 0,
        altNetworkKeySequenceNumber: 0,
        networkKeyFrameCounter: network?.frameCounter ?? 0,
      },
    };
  },

  exportKey: (ncp, { context }) => exportKey(ncp, context),
};
