import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { RadioError, type Eui64, type JoinCredential, type NetworkKey } from '../radio.js';
import { EzspValueId, SecManFlag, SecManKeyType, statusName } from './enums.js';
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

/**
 * The join keys of the Devices a window is open for. Keys are imported over the old ones, never
 * cleared first: clearing and re-importing would leave a moment in which a Device whose window is
 * still open finds no key and is refused. A key left behind for a Device whose window has closed is
 * harmless: the layer above removes any Device that joins without admission, and closeJoining
 * clears them all.
 */
export async function importTransientKeys(ezsp: EzspCommander, devices: JoinCredential[]): Promise<void> {
  for (const device of devices) {
    const { status } = await ezsp.command('importTransientKey', { eui64: device.eui64, plaintextKey: device.linkKey, flags: 0 });
    if (status !== 0) throw new RadioError('RADIO_COMMAND_FAILED', `NCP refused the join key for ${device.eui64} (status ${status})`, { where: 'importTransientKey' });
  }
}

const NO_KEY = Buffer.alloc(16);

/**
 * A Device's new TC link key. The Device Log must hold every established one (CS14 reports its
 * hash, CCS02 keeps it in the Historic Device Log), so a read the NCP fails (busy, reset, no such
 * entry yet) is tried again, doubling the wait, and one that never succeeds says why rather than
 * being dropped.
 */
export async function readNewLinkKey(
  ezsp: EzspCommander & { readonly version: number | null },
  eui64: Eui64,
  { clock, log, retry }: { clock: Clock; log: Logger; retry: { attempts: number; firstRetryMs: number } },
): Promise<{ linkKey: Buffer } | { attempts: number; reason: string }> {
  const { attempts, firstRetryMs } = retry;
  let reason = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) await clock.sleep(firstRetryMs * 2 ** (attempt - 2));
    try {
      const entry = await ezsp.command('exportLinkKeyByEui', { eui64 });
      if (entry.status !== 0) throw new Error(`exportLinkKeyByEui: ${statusName(entry.status, ezsp.version ?? 13)}`);
      if (NO_KEY.equals(entry.plaintextKey)) throw new Error('exportLinkKeyByEui: an all-zero key');
      return { linkKey: Buffer.from(entry.plaintextKey) };
    } catch (error) {
      reason = (error as Error).message;
      log.warn({ eui64, attempt, detail: reason }, 'could not read the new TC link key');
    }
  }
  return { attempts, reason };
}
