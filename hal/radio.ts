import type { EventEmitter } from 'node:events';
import { HubError } from './errors.js';

/**
 * The Radio seam: the HAN operations the hub needs, in its own words. The EZSP implementation
 * drives a Silicon Labs NCP (real or simulated) through a Transport; nothing above `hal/` knows
 * EZSP exists.
 */

/** An EUI-64 as 16 upper-case hex digits, most significant byte first (as printed on a device). */
export type Eui64 = string;

export interface NetworkParameters {
  /** 2.4 GHz channel, 11..26. */
  channel: number;
  panId: number;
  /** 16 hex digits. */
  extendedPanId: string;
  /** dBm. */
  radioTxPower?: number;
}

/**
 * The network key (secret: never logged) with its sequence number and, where the radio reports it,
 * the outgoing NWK frame counter. With the parameters, what a blank radio needs to carry the same
 * network on, so the Devices already on it stay joined.
 */
export interface NetworkKey {
  key: Buffer;
  sequenceNumber: number;
  frameCounter?: number;
}

export interface NetworkInfo extends NetworkParameters {
  localEui64: Eui64;
  nodeId: number;
}

/** A device that may join, and the key it must join with (derived from its install code, or its historic TC link key). */
export interface JoinCredential {
  eui64: Eui64;
  /** 16-byte pre-configured link key. */
  linkKey: Buffer;
}

export interface ApsAddress {
  profileId: number;
  clusterId: number;
  sourceEndpoint: number;
  destinationEndpoint: number;
}

export interface IncomingMessage extends ApsAddress {
  eui64: Eui64;
  nodeId: number;
  payload: Buffer;
  /** Link quality and signal strength as the radio reported them. */
  lqi: number;
  rssi: number;
}

export type DeliveryOutcome =
  | { delivered: true }
  | { delivered: false; reason: 'NO_ACK' | 'NOT_JOINED' | 'NETWORK_DOWN' | 'RADIO_FAILURE' | 'TIMEOUT'; detail?: string };

export interface EnergyReading {
  channel: number;
  /** dBm. */
  maxRssi: number;
}

export interface RadioEvents {
  /** The network is up (formed or resumed), including after the radio was reset and recovered. */
  networkUp: [info: NetworkInfo];
  /** The radio is unreachable or its network went down; sends wait or fail until `networkUp`. */
  networkDown: [reason: string];
  /** A device completed joining through the trust centre with an allowed key. */
  deviceJoined: [device: { eui64: Eui64; nodeId: number }];
  /** The trust centre let a device in with its pre-configured key; `linkKeyEstablished` or `joinRefused` follows. */
  joinHeard: [device: { eui64: Eui64; nodeId: number }];
  /**
   * A device asked to join and was refused: by the trust centre (no key for it now), or at key
   * establishment (it does not hold the key it was allowed with: a wrong install code).
   */
  joinRefused: [device: { eui64: Eui64; reason: string; step?: 'trustCentre' | 'keyEstablishment' }];
  deviceLeft: [device: { eui64: Eui64 }];
  /** Key establishment finished: the device now uses this TC link key. */
  linkKeyEstablished: [device: { eui64: Eui64; linkKey: Buffer }];
  /** The device joined, but its new TC link key could not be read from the radio, after `attempts` tries. */
  linkKeyUnreadable: [device: { eui64: Eui64; attempts: number; reason: string }];
  message: [message: IncomingMessage];
  /**
   * A long (fragmented) message from a device never became whole: some blocks did not come in
   * time, or it could not be held. Nothing of it went up as `message`; the device was not told it
   * arrived, so it reports its own failure.
   */
  messageIncomplete: [report: { eui64: Eui64 | undefined; nodeId: number; received: number; total: number; reason: string }];
}

export interface Radio extends EventEmitter<RadioEvents> {
  /** Bring the link up and resume the network the radio already has, if any. */
  start(): Promise<NetworkInfo | null>;
  /** Form a network (leaving any current one): under the given key, or a fresh random one. */
  formNetwork(parameters: Partial<NetworkParameters>, networkKey?: NetworkKey): Promise<NetworkInfo>;
  /** The network key the radio holds now, with its sequence number and frame counter (secret: never log it). */
  readNetworkKey(): Promise<NetworkKey>;
  /** Put the TC link keys of Devices already on the network into the radio's key table (a radio given a restored network has none). */
  restoreLinkKeys(devices: JoinCredential[]): Promise<void>;
  /** Allow exactly these devices to join, each with its own key, for `durationSeconds` (≤ 254). */
  permitJoining(devices: JoinCredential[], durationSeconds: number): Promise<void>;
  closeJoining(): Promise<void>;
  /** Tell a device to leave and forget its keys. */
  removeDevice(eui64: Eui64): Promise<void>;
  /**
   * Send one APS message; resolves with what finally happened to it (it is never silently dropped).
   * A payload too long for one frame goes in acknowledged blocks and is delivered only when every
   * block is.
   */
  send(eui64: Eui64, address: ApsAddress, payload: Buffer): Promise<DeliveryOutcome>;
  energyScan(channels: number[], durationExponent: number): Promise<EnergyReading[]>;
  setChannel(channel: number): Promise<void>;
  networkInfo(): NetworkInfo | null;
  stop(): Promise<void>;
}

export class RadioError extends HubError {}
