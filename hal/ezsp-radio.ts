import { randomBytes, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { AshLink } from './ash/link.js';
import type { Clock } from './clock.js';
import { HubError } from './errors.js';
import { isEui64 } from './eui64.js';
import { EzspHost, type EzspCommander } from './ezsp/host.js';
import type { ApsFrame } from './ezsp/index.js';
import {
  EmberApsOption,
  EmberInitialSecurityBitmask,
  EmberJoinMethod,
  EmberOutgoingMessageType,
  isNetworkGone,
  networkStatusCodes,
  statusName,
} from './ezsp/enums.js';
import type { RequestParams } from './ezsp/codec.js';
import { isTwoFourChannel, subGhzChannel, toRadioChannel } from './ezsp/channel-pages.js';
import { FragmentReceiver } from './ezsp/fragment-receiver.js';
import { FragmentSender } from './ezsp/fragment-sender.js';
import { FRAGMENTATION, frameLimits, type FragmentationOptions, type FrameLimits } from './ezsp/fragmentation.js';
import { JoinTracker } from './ezsp/joining.js';
import { UnicastQueue, type TransmitResult } from './ezsp/unicast-queue.js';
import { importLinkKeys, importTransientKeys, readNetworkKey, readNewLinkKey, setFrameCounter } from './ezsp/network-keys.js';
import { RadioNetwork } from './ezsp/radio-network.js';
import { setUpNcp, type NcpSetup } from './ezsp/ncp-setup.js';
import { silentLogger, type Logger } from './log.js';
import {
  RadioError,
  type ApsAddress,
  type DeliveryOutcome,
  type EnergyReading,
  type Eui64,
  type JoinCredential,
  type NetworkInfo,
  type NetworkKey,
  type NetworkParameters,
  type Radio,
  type RadioEvents,
} from './radio.js';

/**
 * The Radio seam over EZSP: an EmberZNet NCP (silicon or the simulator) acting as coordinator and
 * trust centre, with install-code-only joining (a transient key per allowed device).
 */

export interface EzspRadioOptions {
  link: AshLink;
  clock: Clock;
  logger?: Logger;
  commandTimeoutMs?: number;
  reconnectDelayMs?: number;
  /** How long a send waits for the link and network to come back before failing (default 60 s). */
  networkWaitMs?: number;
  /** How long the NCP may take to report a message's outcome (default 30 s). */
  deliveryTimeoutMs?: number;
  /** Resends of one message after NCP resets (default 3). */
  maxResends?: number;
  /** After an NCP reset, how long a Device that heard from the hub lately waits (default 10 s; why: ezsp/unicast-queue.ts). */
  repeatWindowMs?: number;
  /** EmberApsOption bits for every unicast (default: APS retry, route discovery, APS encryption). */
  apsOptions?: number;
  /** Endpoints registered on the NCP at every start (default: endpoint 1, Smart Energy profile). */
  endpoints?: NcpSetup['endpoints'];
  /** Extra NCP configuration values set at every start, before the network is resumed. */
  configuration?: NcpSetup['configuration'];
  /** Long messages, sent and received in blocks (see ezsp/fragmentation.ts). */
  fragmentation?: FragmentationOptions;
  /** Reading a new TC link key: attempts, and the wait before the second, doubling after (default 4, 250 ms). */
  linkKeyRead?: { attempts: number; firstRetryMs: number };
}

const MAX_JOIN_SECONDS = 254;
const LINK_KEY_READ = { attempts: 4, firstRetryMs: 250 };

export class EzspRadio extends EventEmitter<RadioEvents> implements Radio {
  readonly host: EzspHost;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly options: EzspRadioOptions;
  private readonly network: RadioNetwork;
  private readonly joins: JoinTracker;
  private readonly unicasts: UnicastQueue;
  private readonly fragments: FragmentSender;
  private readonly reassembly: FragmentReceiver;
  private readonly limits: FrameLimits;
  private messageTag = 0;

  constructor(options: EzspRadioOptions) {
    super();
    this.options = options;
    this.clock = options.clock;
    this.log = (options.logger ?? silentLogger).child({ component: 'radio' });
    this.host = new EzspHost({
      link: options.link,
      clock: options.clock,
      logger: options.logger,
      commandTimeoutMs: options.commandTimeoutMs,
      reconnectDelayMs: options.reconnectDelayMs,
      initialise: (ezsp) => this.initialise(ezsp),
    });
    this.network = new RadioNetwork(this.host, this.clock, this.log, this);
    this.joins = new JoinTracker(this.clock);
    this.unicasts = new UnicastQueue(
      {
        clock: this.clock,
        canSend: () => this.host.ready && this.network.up,
        transmit: (eui64, address, payload, tag) => this.transmit(eui64, address, payload, tag),
        nextTag: () => this.nextTag(),
        released: (tag) => this.fragments.release(tag),
      },
      {
        networkWaitMs: options.networkWaitMs ?? 60_000,
        deliveryTimeoutMs: options.deliveryTimeoutMs ?? 30_000,
        maxResends: options.maxResends ?? 3,
        repeatWindowMs: options.repeatWindowMs ?? FRAGMENTATION.reassemblyTimeoutMs,
      },
    );
    const apsOptions = options.apsOptions ?? DEFAULT_APS_OPTIONS;
    this.limits = frameLimits((apsOptions & EmberApsOption.ENCRYPTION) !== 0);
    const window = options.fragmentation?.window ?? FRAGMENTATION.window;
    if (!Number.isInteger(window) || window < 1 || window > 8) throw badArgument(`fragmentation window ${window} is not 1..8`, 'EzspRadio');
    this.fragments = new FragmentSender(
      {
        sendBlock: (nodeId, apsFrame, tag, data) => this.sendBlock(nodeId, apsFrame, tag, data),
        nextTag: () => this.nextTag(),
        settle: (tag, delivered, detail) => this.unicasts.settle(tag, delivered, detail),
      },
      window,
    );
    this.reassembly = new FragmentReceiver({
      host: this.host,
      network: this.network,
      clock: this.clock,
      log: this.log,
      events: this,
      window,
      timeoutMs: options.fragmentation?.reassemblyTimeoutMs,
      maxMessages: options.fragmentation?.maxReassemblies,
      maxLength: options.fragmentation?.maxMessageLength,
    });
    this.wireCallbacks();
  }

  async start(): Promise<NetworkInfo | null> {
    await this.host.start();
    return this.network.awaitResume();
  }

  async stop(): Promise<void> {
    this.unicasts.failAll('RADIO_FAILURE', 'radio stopped');
    this.reassembly.clear();
    await this.host.stop();
  }

  networkInfo(): NetworkInfo | null {
    return this.network.info;
  }

  async formNetwork(parameters: Partial<NetworkParameters>, networkKey?: NetworkKey): Promise<NetworkInfo> {
    const channel = parameters.channel ?? 11;
    if (!Number.isInteger(channel) || channel < 11 || channel > 26) throw badArgument(`channel ${channel} is not 11..26`, 'formNetwork');
    const panId = parameters.panId ?? randomInt(1, 0xfff7);
    if (!Number.isInteger(panId) || panId < 0 || panId > 0xfffe) throw badArgument(`PAN id ${panId} is not 0..0xFFFE`, 'formNetwork');
    const extendedPanId = (parameters.extendedPanId ?? randomBytes(8).toString('hex')).toUpperCase();
    if (!isEui64(extendedPanId)) throw badArgument('extended PAN id must be 16 hex digits', 'formNetwork');
    if (networkKey && networkKey.key.length !== 16) throw badArgument('a network key is 16 bytes', 'formNetwork');
    if (this.network.up) await this.network.leave();
    await this.expectOk('setInitialSecurityState', {
      state: {
        bitmask:
          EmberInitialSecurityBitmask.HAVE_PRECONFIGURED_KEY |
          EmberInitialSecurityBitmask.HAVE_NETWORK_KEY |
          EmberInitialSecurityBitmask.REQUIRE_ENCRYPTED_KEY,
        // Never used to admit anyone: joining needs a per-device transient key from an install code.
        preconfiguredKey: randomBytes(16),
        networkKey: networkKey ? Buffer.from(networkKey.key) : randomBytes(16),
        networkKeySequenceNumber: networkKey?.sequenceNumber ?? 0,
        preconfiguredTrustCenterEui64: '0000000000000000',
      },
    });
    const up = this.network.awaitUp();
    await this.expectOk('formNetwork', {
      parameters: {
        extendedPanId,
        panId,
        radioTxPower: parameters.radioTxPower ?? 8,
        radioChannel: channel,
        joinMethod: EmberJoinMethod.MAC_ASSOCIATION,
        nwkManagerId: 0,
        nwkUpdateId: 0,
        channels: 1 << channel,
      },
    });
    const info = await up;
    if (networkKey?.frameCounter) await setFrameCounter(this.host, networkKey.frameCounter, this.log);
    return info;
  }

  /** The network key the NCP holds now, its sequence number and outgoing frame counter (secret: never log it). */
  readNetworkKey(): Promise<NetworkKey> {
    return readNetworkKey(this.host);
  }

  restoreLinkKeys(devices: JoinCredential[]): Promise<void> {
    return importLinkKeys(this.host, devices);
  }

  async permitJoining(devices: JoinCredential[], durationSeconds: number): Promise<void> {
    if (!Number.isInteger(durationSeconds) || durationSeconds < 1 || durationSeconds > MAX_JOIN_SECONDS) {
      throw badArgument(`join window of ${durationSeconds} s is not 1..${MAX_JOIN_SECONDS}`, 'permitJoining');
    }
    for (const [i, device] of devices.entries()) {
      if (!isEui64(device.eui64)) throw badArgument(`devices[${i}].eui64 is not 16 upper-case hex digits`, 'permitJoining');
      if (device.linkKey.length !== 16) throw badArgument(`devices[${i}].linkKey is not 16 bytes`, 'permitJoining');
    }
    await this.openWindow(devices, durationSeconds);
    this.joins.open(devices, durationSeconds);
  }

  async closeJoining(): Promise<void> {
    this.joins.close();
    await this.expectOk('permitJoining', { duration: 0 });
    await this.host.command('clearTransientLinkKeys', {});
  }

  async removeDevice(eui64: Eui64): Promise<void> {
    if (!isEui64(eui64)) throw badArgument(`${eui64} is not an EUI-64`, 'removeDevice');
    const nodeId = await this.network.nodeIdOf(eui64);
    if (nodeId === undefined) throw new RadioError('RADIO_UNKNOWN_DEVICE', `${eui64} is not on the network`, { where: 'removeDevice' });
    await this.expectOk('removeDevice', { destShort: nodeId, destLong: eui64, targetLong: eui64 });
    this.network.forget(eui64);
  }

  send(eui64: Eui64, address: ApsAddress, payload: Buffer): Promise<DeliveryOutcome> {
    if (!isEui64(eui64)) return Promise.reject(badArgument(`${eui64} is not an EUI-64`, 'send'));
    return this.unicasts.send(eui64, address, payload);
  }

  energyScan(channels: number[], durationExponent: number): Promise<EnergyReading[]> {
    return this.network.energyScan(channels, durationExponent);
  }

  /** A 2.4 GHz channel (11..26), or a Sub GHz one as its page-and-channel value (hal/ezsp/channel-pages.ts). */
  async setChannel(channel: number): Promise<void> {
    const subGhz = subGhzChannel(channel);
    if (subGhz) {
      await this.expectOk('setRadioChannel', { channel: toRadioChannel(subGhz.page, subGhz.channel) });
      return;
    }
    if (!isTwoFourChannel(channel)) throw badArgument(`channel ${channel} is not 11..26 or a Sub GHz page-and-channel value`, 'setChannel');
    await this.expectOk('setRadioChannel', { channel });
    this.network.channelChanged(channel);
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Runs after every version negotiation (first start and each NCP reset), before anything else. */
  private async initialise(ezsp: EzspCommander): Promise<void> {
    this.network.initialised(await setUpNcp(ezsp, this.options, this.log));
  }

  private wireCallbacks(): void {
    const host = this.host;
    host.on('ready', () => void this.afterReady());
    this.on('networkUp', () => this.unicasts.pump());
    host.on('down', (error) => {
      this.network.linkLost(error.message);
      const { devices, longestMs } = this.unicasts.linkLost();
      if (devices > 0) this.log.warn({ devices, holdMs: Math.ceil(longestMs) }, 'NCP reset: messages to Devices it sent to lately wait until they forget the APS counters it now reuses');
      this.unicasts.pump();
    });
    host.on('failed', (error) => {
      this.unicasts.failAll('RADIO_FAILURE', error.message);
    });
    host.on('stackStatusHandler', ({ status }) => {
      const version = host.version ?? 13;
      const codes = networkStatusCodes(version);
      if (status === codes.up) this.network.stackUp();
      else if (status === codes.down) {
        this.network.stackDown(`stack reported ${statusName(status, version)}`);
        this.unicasts.pump();
      }
    });
    host.on('trustCenterJoinHandler', (p) => {
      this.network.learn(p.newNodeEui64, p.newNodeId);
      this.report(this.joins.onTrustCenterJoin(p.newNodeEui64, p.newNodeId, p.status, p.policyDecision));
    });
    host.on('childJoinHandler', (p) => {
      if (p.joining) this.network.learn(p.childEui64, p.childId);
    });
    host.on('zigbeeKeyEstablishmentHandler', ({ partner, status }) => {
      this.report(this.joins.onKeyEstablishment(partner, status, this.network.knownNodeId(partner)));
    });
    host.on('messageSentHandler', (p) => {
      const delivered = p.status === 0;
      const detail = statusName(p.status, host.version ?? 13);
      if (!this.fragments.blockSent(p.messageTag, delivered, detail)) this.unicasts.settle(p.messageTag, delivered, detail);
    });
    host.on('incomingMessageHandler', (p) => {
      if (FragmentReceiver.isBlock(p)) this.reassembly.receive(p);
      else this.network.incoming(p);
    });
  }

  private async afterReady(): Promise<void> {
    await this.network.hostReady();
    // The NCP forgot the join window with its RAM; if it is still meant to be open, open it again.
    const window = this.joins.remaining();
    if (window && this.network.up) {
      await this.openWindow(window.devices, window.seconds).catch((error: unknown) =>
        this.log.warn({ detail: (error as Error).message }, 'could not reopen the join window after an NCP reset'),
      );
    }
    this.unicasts.pump();
  }

  private async openWindow(devices: JoinCredential[], seconds: number): Promise<void> {
    await importTransientKeys(this.host, devices);
    await this.expectOk('permitJoining', { duration: seconds });
  }

  private report(verdict: ReturnType<JoinTracker['onKeyEstablishment']>): void {
    switch (verdict.kind) {
      case 'none':
        return;
      case 'left':
        this.network.forget(verdict.eui64);
        this.emit('deviceLeft', { eui64: verdict.eui64 });
        return;
      case 'refused':
        this.emit('joinRefused', { eui64: verdict.eui64, reason: verdict.reason, step: verdict.step });
        return;
      case 'heard':
        this.emit('joinHeard', { eui64: verdict.eui64, nodeId: verdict.nodeId });
        return;
      case 'joined':
        this.emit('deviceJoined', { eui64: verdict.eui64, nodeId: verdict.nodeId });
        void this.readLinkKey(verdict.eui64);
        return;
    }
  }

  private async readLinkKey(eui64: Eui64): Promise<void> {
    const read = await readNewLinkKey(this.host, eui64, { clock: this.clock, log: this.log, retry: this.options.linkKeyRead ?? LINK_KEY_READ });
    if ('linkKey' in read) this.emit('linkKeyEstablished', { eui64, linkKey: read.linkKey });
    else this.emit('linkKeyUnreadable', { eui64, ...read });
  }

  private async transmit(eui64: Eui64, address: ApsAddress, payload: Buffer, tag: number): Promise<TransmitResult> {
    const nodeId = await this.network.nodeIdOf(eui64);
    if (nodeId === undefined) return { kind: 'unknown-device' };
    const options = this.options.apsOptions ?? DEFAULT_APS_OPTIONS;
    if (payload.length > this.limits.singleFrame) return this.fragments.start(tag, nodeId, address, options, payload, this.limits.blockSize);
    const { result } = await this.sendBlock(nodeId, { ...address, options, groupId: 0, sequence: 0 }, tag, payload);
    return result;
  }

  /** One sendUnicast: what the NCP said, and the APS counter it gave the frame. */
  private async sendBlock(nodeId: number, apsFrame: ApsFrame, tag: number, payload: Buffer): Promise<{ result: TransmitResult; sequence: number }> {
    const version = this.host.version ?? 13;
    const response = await this.host.command('sendUnicast', {
      type: EmberOutgoingMessageType.DIRECT,
      indexOrDestination: nodeId,
      apsFrame,
      messageTag: tag,
      messageContents: payload,
    });
    const { sequence } = response;
    if (response.status === 0) return { result: { kind: 'accepted' }, sequence };
    if (isNetworkGone(response.status, version)) return { result: { kind: 'network-down' }, sequence };
    return { result: { kind: 'failed', detail: `sendUnicast: ${statusName(response.status, version)}` }, sequence };
  }

  private nextTag(): number {
    // One byte in EZSP 13, two from 14.
    const modulus = (this.host.version ?? 13) >= 14 ? 0x10000 : 0x100;
    this.messageTag = (this.messageTag + 1) % modulus;
    this.fragments.reuse(this.messageTag);
    return this.messageTag;
  }

  private async expectOk<N extends StatusCommand>(name: N, params: RequestParams<N>): Promise<void> {
    const response = (await this.host.command(name, params)) as unknown as { status: number };
    if (response.status !== 0) {
      throw new RadioError('RADIO_COMMAND_FAILED', `NCP answered ${statusName(response.status, this.host.version ?? 13)}`, {
        where: `EZSP ${name}`,
      });
    }
  }
}

type StatusCommand = 'setInitialSecurityState' | 'formNetwork' | 'permitJoining' | 'removeDevice' | 'setRadioChannel';

const DEFAULT_APS_OPTIONS = EmberApsOption.RETRY | EmberApsOption.ENABLE_ROUTE_DISCOVERY | EmberApsOption.ENCRYPTION;

function badArgument(message: string, where: string): HubError {
  return new RadioError('RADIO_BAD_ARGUMENT', message, { where });
}
