import type { Logger } from '../log.js';
import { RadioError, type JoinCredential, type NetworkKey } from '../radio.js';
import { EzspValueId, SecManFlag, SecManKeyType } from './enums.js';
import type { EzspCommander } from './host.js';

/**
 * The keys a network carries from one NCP to another: the network key with its counters, read out
 * and set back, and the Devices' TC link keys put back in the key table. sl_status_t answers in
 * every EZSP version these frames exist in. Keys are secret: nothing here logs one.
 */

const NETWORK_KEY_CONTEXT = { coreKeyType: SecManKeyType.NETWORK, keyIndex: 0, derivedType: 0, eui64: '0000000000000000', multiNetworkIndex: 0, flags: SecManFlag.KEY_INDEX_IS_VALID, psaKeyAlgPermission: 0 };
/** importLinkKey's index 0xFF: the NCP picks the entry (the one already for this EUI-64, else a free one). */
const ANY_KEY_SLOT = 0xff;

function failed(command: string, status: number): RadioError {
  return new RadioError('RADIO_COMMAND_FAILED', `${command}: sl_status 0x${status.toString(16)}`, { where: `EZSP ${command}` });
}

export async function readNetworkKey(ezsp: EzspCommander): Promise<NetworkKey> {
  const exported = await ezsp.command('exportKey', { context: NETWORK_KEY_CONTEXT });
  if (exported.status !== 0) throw failed('exportKey', exported.status);
  const { status, networkKeyInfo } = await ezsp.command('getNetworkKeyInfo', {});
  if (status !== 0) throw failed('getNetworkKeyInfo', status);
  return { key: Buffer.from(exported.key), sequenceNumber: networkKeyInfo.networkKeySequenceNumber, frameCounter: networkKeyInfo.networkKeyFrameCounter };
}

/** After forming a restored network: frames the old radio sent under this key must not be counted again, as receivers drop a counter they have seen. */
export async function setFrameCounter(ezsp: EzspCommander, frameCounter: number, log: Logger): Promise<void> {
  const value = Buffer.alloc(4);
  value.writeUInt32LE(frameCounter >>> 0);
  const { status } = await ezsp.command('setValue', { valueId: EzspValueId.NWK_FRAME_COUNTER, value });
  if (status !== 0) log.warn({ status }, 'NCP refused the restored NWK frame counter');
}

export async function importLinkKeys(ezsp: EzspCommander, devices: JoinCredential[]): Promise<void> {
  for (const device of devices) {
    if (device.linkKey.length !== 16) throw new RadioError('RADIO_BAD_ARGUMENT', `the link key of ${device.eui64} is not 16 bytes`, { where: 'restoreLinkKeys' });
    const { status } = await ezsp.command('importLinkKey', { index: ANY_KEY_SLOT, address: device.eui64, plaintextKey: device.linkKey });
    if (status !== 0) throw failed(`importLinkKey for ${device.eui64}`, status);
  }
}
