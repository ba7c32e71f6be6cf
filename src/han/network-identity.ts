import { randomBytes, randomInt } from 'node:crypto';
import { isEui64 } from '../../hal/eui64.js';
import type { Logger } from '../../hal/log.js';
import type { NetworkInfo, NetworkKey, NetworkParameters, Radio } from '../../hal/radio.js';
import { jsonCodec, type Domain, type Store } from '../store/index.js';

/**
 * The HAN's identity: PAN id, extended PAN id, channel and network key, made once and kept in the
 * store (sealed: the key is secret). The radio's own flash is a copy, not the record: a blank or
 * replaced NCP is given the same network again, so the Devices already on it stay joined.
 */

export interface StoredIdentity {
  channel: number;
  panId: number;
  extendedPanId: string;
  /** 32 hex digits. */
  networkKey: string;
  sequenceNumber: number;
  /** The NCP's outgoing NWK frame counter when last read. */
  frameCounter: number;
  /** The coordinator's EUI-64 (the radio's), when a radio has carried the network. */
  coordinator?: string;
}

export type IdentityRadio = Pick<Radio, 'start' | 'formNetwork' | 'readNetworkKey'>;

export type BringUp = { network: NetworkInfo; how: 'resumed' | 'restored' | 'formed' };

const isIdentity = (value: unknown): value is StoredIdentity => {
  const v = value as StoredIdentity | null;
  return (
    Number.isInteger(v?.channel) && Number.isInteger(v?.panId) && typeof v?.extendedPanId === 'string' && isEui64(v.extendedPanId) &&
    typeof v.networkKey === 'string' && /^[0-9a-f]{32}$/.test(v.networkKey) && Number.isInteger(v.sequenceNumber) && Number.isInteger(v.frameCounter) &&
    (v.coordinator === undefined || (typeof v.coordinator === 'string' && isEui64(v.coordinator)))
  );
};

export const NETWORK_IDENTITY_DOMAIN = { name: 'networkIdentity', codec: jsonCodec(isIdentity), personal: true } as const;
const KEY = 'current';
/**
 * Added to the last frame counter read before it is given to a new NCP: frames sent since that
 * read (a power cut gives no chance to read it again) must not repeat a counter the Devices have seen.
 */
const FRAME_COUNTER_MARGIN = 0x1_0000;

function keyOf(identity: StoredIdentity): NetworkKey {
  return { key: Buffer.from(identity.networkKey, 'hex'), sequenceNumber: identity.sequenceNumber, frameCounter: identity.frameCounter + FRAME_COUNTER_MARGIN };
}

function describe(identity: StoredIdentity | NetworkInfo): Record<string, number | string> {
  return { channel: identity.channel, panId: identity.panId, extendedPanId: identity.extendedPanId };
}

export class NetworkIdentity {
  private constructor(private readonly domain: Domain<StoredIdentity>) {}

  static async open(store: Store): Promise<NetworkIdentity> {
    return new NetworkIdentity(await store.domain(NETWORK_IDENTITY_DOMAIN));
  }

  stored(): Promise<StoredIdentity | undefined> {
    return this.domain.get(KEY);
  }

  /** Resume the radio's network if it is the kept one; else give the radio the kept one; else make one and keep it. */
  async bringUp(radio: IdentityRadio, wanted: Partial<NetworkParameters>, logger: Logger): Promise<BringUp> {
    const resumed = await radio.start();
    const kept = await this.stored();
    if (resumed) {
      const key = await radio.readNetworkKey().catch((error: unknown) => {
        // An NCP that will not export its key still carries its network; only a restore needs the key.
        logger.warn({ err: error }, 'could not read the network key from the radio; it is not kept until it can be');
        return undefined;
      });
      const sameKey = key === undefined || key.key.toString('hex') === kept?.networkKey;
      if (!kept || (resumed.panId === kept.panId && resumed.extendedPanId === kept.extendedPanId && sameKey)) {
        // With no record (a store from before identities were kept), the radio's network becomes it.
        if (key) await this.save(resumed, key);
        return { network: resumed, how: 'resumed' };
      }
      logger.warn({ radio: describe(resumed), kept: describe(kept) }, 'the radio holds another network than the one kept in the store; giving it the kept one');
    }
    if (kept) {
      logger.info(describe(kept), 'restoring the kept network onto the radio');
      const network = await radio.formNetwork(kept, keyOf(kept));
      return { network, how: 'restored' };
    }
    return { network: await this.form(radio, wanted), how: 'formed' };
  }

  /**
   * Form a new network (a new key; the parameters not given are the config's, else random) and keep
   * it. It is kept before the radio forms it, so a crash in between cannot leave a network nobody has the key of.
   */
  async form(radio: Pick<Radio, 'formNetwork'>, parameters: Partial<NetworkParameters>): Promise<NetworkInfo> {
    const identity: StoredIdentity = {
      channel: parameters.channel ?? 11,
      panId: parameters.panId ?? randomInt(1, 0xfff7),
      extendedPanId: (parameters.extendedPanId ?? randomBytes(8).toString('hex')).toUpperCase(),
      networkKey: randomBytes(16).toString('hex'),
      sequenceNumber: 0,
      frameCounter: 0,
    };
    await this.domain.put(KEY, identity);
    const network = await radio.formNetwork({ ...identity, ...(parameters.radioTxPower === undefined ? {} : { radioTxPower: parameters.radioTxPower }) }, keyOf(identity));
    // The radio settles the channel and PAN id (a refused PAN id is not an error of ours): keep what it formed.
    await this.save(network, { key: Buffer.from(identity.networkKey, 'hex'), sequenceNumber: 0, frameCounter: 0 });
    return network;
  }

  /** Replace the kept identity (`hub network restore`); the next start gives it to the radio. */
  async replace(identity: StoredIdentity): Promise<void> {
    await this.domain.put(KEY, identity);
  }

  /** Keep the radio's frame counter now (at a clean stop), so a restore later starts past it. */
  async keepFrameCounter(radio: Pick<Radio, 'readNetworkKey'>): Promise<void> {
    const kept = await this.stored();
    if (!kept) return;
    const { frameCounter } = await radio.readNetworkKey();
    if (frameCounter !== undefined && frameCounter > kept.frameCounter) await this.domain.put(KEY, { ...kept, frameCounter });
  }

  private async save(network: NetworkInfo, key: NetworkKey): Promise<void> {
    await this.domain.put(KEY, {
      channel: network.channel,
      panId: network.panId,
      extendedPanId: network.extendedPanId,
      networkKey: key.key.toString('hex'),
      sequenceNumber: key.sequenceNumber,
      frameCounter: key.frameCounter ?? 0,
      coordinator: network.localEui64,
    });
  }
}
