/**
 * The contract between the hub's request pipeline and the use-case handlers (src/chf/use-cases,
 * src/gpf/use-cases). Types only: a handler imports nothing else from src/hub, so the layers below
 * stay free of the router.
 */
import type { Clock } from '../../hal/clock.js';
import type { Logger } from '../../hal/log.js';
import type { Eui64, Radio } from '../../hal/radio.js';
import type { DeviceLog } from '../chf/device-log.js';
import type { GbcsMessage, GroupingHeader, MessageCodeEntry } from '../gbcs/index.js';
import type { DecodedPayload } from '../gbcs/payload/index.js';
import type { OwnImage } from '../firmware/index.js';
import type { GasProxyData, GpfDeviceLog } from '../gpf/index.js';
import type { EventLog, SecurityLog } from '../logs/index.js';
import type { RemotePartyRole } from '../security/certificates.js';
import type { SecurityCredentials } from '../security/credentials.js';
import type { PinStore } from '../security/pin-store.js';
import type { SecureElement } from '../security/secure-element.js';
import type { SupplyArrangementStore } from '../security/supply-arrangement.js';
import type { SubGhzState } from '../subghz/index.js';

/** Which of the hub's two logical Devices executes a use case. */
export type HubDevice = 'CHF' | 'GPF';

export interface HubIdentity {
  chf: Eui64;
  gpf: Eui64;
  /** ECS26n/ECS26i: the manufacturer identifier and model type the hub reports, from its configuration (absent: the read fails). */
  manufacturerId?: Buffer;
  modelType?: Buffer;
}

/** The party whose rights a command exercises: the supplementary remote party when the ACB relays for one, else the originator. */
export interface RemoteParty {
  eui: Eui64;
  role: RemotePartyRole;
}

/** A command that has passed authentication, the replay check and the role check, payload decoded. */
export interface UseCaseCommand {
  message: GbcsMessage;
  header: GroupingHeader;
  entry: MessageCodeEntry;
  payload: DecodedPayload;
  remoteParty: RemoteParty;
  /** A signature was present and verified (always true for a critical command that got here). */
  signatureVerified: boolean;
}

/** An alert to send: the hub assigns its own originator counter and seals it. */
export interface AlertRequest {
  /** The CHF or GPF EUI-64 that raises it. */
  originator: Eui64;
  messageCode: number;
  /** Default: the Access Control Broker the hub sends alerts to. */
  recipient?: Eui64;
  /** The grouping header date-time, when the alert carries one. */
  dateTime?: Buffer;
  /** The payload; DLMS alerts derive their invoke id from the counter, so it is given here. */
  payload(counter: bigint): Buffer;
  /** Sent signed by the originator's Digital Signing key instead of MACed (CCS08 travels so). */
  signed?: boolean;
  /** The HAN Devices the alert is about (a CS14 names the Devices whose change it reports), for those watching them join. */
  concerns?: readonly Eui64[];
}

export interface AlertSink {
  /** Queue an alert: sent after the response of the command being handled, or at once when none is. */
  raise(alert: AlertRequest): void;
}

/** Link statistics CCS06 reports per Device, as the HAN layer last measured them. */
export interface LinkStatistics {
  status: { bits: number; value: Buffer };
  rssi: { max: number; average: number; min: number };
  lqi: { max: number; average: number; min: number };
  numberOfHops: number;
  transmissionFailures: number;
  transmissionSuccesses: number;
  applicationVersion: number;
  stackVersion: number;
}

export interface LinkStatisticsSource {
  get(eui64: Eui64): LinkStatistics | undefined;
}

/** The CHF's state a handler may read and change. */
export interface ChfState {
  deviceLog: DeviceLog;
  /** Opens CCS01's join windows; absent when the hub runs without a radio (a join is then reported as failed). */
  joinWindows?: { open(eui64: Eui64, joinTimeoutSeconds: number): Promise<unknown>; cancel(eui64: Eui64): Promise<void> };
  eventLog: EventLog;
  securityLog: SecurityLog;
  credentials: SecurityCredentials;
  /** Which supplier holds the electricity and gas supplier anchors (role-policy.ts); absent: single supply. */
  supply?: SupplyArrangementStore;
  linkStatistics: LinkStatisticsSource;
  /** The HAN's extended PAN id, 8 bytes (CS14 and CCS07 carry it). */
  extendedPanId(): Buffer;
  /** Forms the HAN anew (CCS03); absent when the hub runs without a radio (CCS03 then reports a hardware fault). */
  network?: Pick<Radio, 'formNetwork'>;
  /** The hub's own firmware: CS06 activates it, ECS52 reads its version; absent, CS06 fails and ECS52 reads nothing. */
  ownImage?: Pick<OwnImage, 'activate' | 'runningVersion'>;
}

export interface GpfState {
  deviceLog: GpfDeviceLog;
  data: GasProxyData;
  /** The hub's PINs: GCS11 disables the privacy PIN that guards the householder's local views of the gas data. */
  pins?: PinStore;
}

/** What every handler receives. State modules are the real ones; tests give them a temp LevelDB. */
export interface HandlerContext {
  clock: Clock;
  identity: HubIdentity;
  chf: ChfState;
  /** Present on a hub that runs the GPF (every GB hub; tests of the CHF alone may leave it out). */
  gpf?: GpfState;
  /** Present on a dual-band hub. */
  subGhz?: SubGhzState;
  alerts: AlertSink;
  logger: Logger;
  /** The hub's keys: GPF reads encrypt their values for the remote party with a key agreed here. */
  secureElement?: SecureElement;
  /** Takes the hub's next own originator counter (the one alerts carry), for a response that must carry one of its own. */
  nextOwnCounter?(): Promise<bigint>;
}

/** What a handler answers: the response payload, and optionally the response's grouping header date-time. */
export interface UseCaseResult {
  payload: Buffer;
  dateTime?: Buffer;
  /**
   * The answering Device's own counter, carried in the supplementary remote party information: a
   * response encrypted for a remote party the command introduced by certificate (an unknown remote
   * party) is keyed with it, not with the command's counter.
   */
  supplementaryOriginatorCounter?: bigint;
}

export interface UseCaseHandler {
  /** The use case, as message-codes.ts names it (CCS01, GCS13a). */
  useCase: string;
  /** The Message Codes it answers (CS02b has ten). */
  messageCodes: readonly number[];
  device: HubDevice;
  /** Some of its codes are SME.C.C commands; the pipeline refuses those without a verified signature, code by code. */
  critical: boolean;
  /** The certificate roles that may invoke it (src/security/role-policy.ts: certificateRolesFor). */
  allowedRoles: readonly RemotePartyRole[];
  /** Narrower roles for particular codes (each CS02b code is sent by one kind of party). */
  rolesByCode?: ReadonlyMap<number, readonly RemotePartyRole[]>;
  /**
   * Decodes the command payload to its typed view, for a use case the payload layer has no view
   * for yet. Throw a GbcsError (PayloadError) for bytes it cannot read: the router refuses the
   * command as PAYLOAD_INVALID before anything changes.
   */
  decodeCommand?(payload: Buffer): unknown;
  /**
   * Execute the command and build the response payload. A failure the use case reports (a DLMS
   * hardware-fault, a GBZ error status) is a normal result; throw only for a command that cannot be
   * answered at all (the router then drops it and records why).
   */
  handle(context: HandlerContext, command: UseCaseCommand): Promise<UseCaseResult>;
}
