import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import { RadioError, type EnergyReading, type Eui64, type NetworkInfo, type RadioEvents } from '../radio.js';
import type { ResponseParams } from './codec.js';
import { fromReportedChannel, isTwoFourChannel, scanMasks, subGhzChannel } from './channel-pages.js';
import { EzspNetworkScanType, statusName } from './enums.js';
import { EzspError } from './errors.js';
import type { EzspHost } from './host.js';
import { PROFILE } from '../zcl/index.js';

/**
 * The network as the Radio sees it: up or down, its parameters, which node id each EUI-64 has,
 * incoming messages (with duplicates suppressed), and energy scans.
 */

const NO_EUI64 = '0000000000000000';
const UNKNOWN_NODE_ID = 0xffff;
/** How many recent APS frames per device are remembered to spot one handed up twice. */
const DUPLICATE_WINDOW = 32;
const NETWORK_UP_WAIT_MS = 15_000;
const SCAN_MARGIN_MS = 5_000;
/** One 802.15.4 superframe base duration: a scan of exponent n lasts (2^n + 1) of these per channel. */
const SCAN_UNIT_MS = 15.36;

type Waiter = { resolve: (info: NetworkInfo) => void; reject: (error: Error) => void };

/** ZigBee Device Objects speak profile 0x0000. */
const ZDO_PROFILE = PROFILE.zdo;

export class RadioNetwork {
  up = false;
  info: NetworkInfo | null = null;
  private hasNetwork: boolean | undefined;
  private refreshPending = false;
  private readonly nodes = new Map<Eui64, number>();
  private readonly recent = new Map<Eui64, string[]>();
  private waiters: Waiter[] = [];
  private scan: { readings: EnergyReading[]; done: (status: number) => void } | undefined;

  constructor(
    private readonly host: EzspHost,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly events: EventEmitter<RadioEvents>,
  ) {
    host.on('energyScanResultHandler', ({ channel, maxRssiValue }) => this.scan?.readings.push({ channel: fromReportedChannel(channel), maxRssi: maxRssiValue }));
    host.on('scanCompleteHandler', ({ status }) => this.scan?.done(status));
  }

  /** networkInit's answer: whether the NCP has a network to resume. */
  initialised(hasNetwork: boolean): void {
    this.hasNetwork = hasNetwork;
  }

  /** After start: the resumed network, or null if the NCP has none. */
  async awaitResume(): Promise<NetworkInfo | null> {
    if (!this.hasNetwork) return null;
    return this.up && this.info ? this.info : this.awaitUp();
  }

  /** Resolves at the next networkUp (bounded). */
  awaitUp(): Promise<NetworkInfo> {
    return new Promise<NetworkInfo>((resolve, reject) => {
      const bound = this.clock.setTimeout(() => {
        if (!this.waiters.includes(waiter)) return;
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new RadioError('RADIO_TIMEOUT', `network did not come up within ${NETWORK_UP_WAIT_MS} ms`, { where: 'EZSP network' }));
      }, NETWORK_UP_WAIT_MS);
      // Cancelled once the network is up: left running, it kept a hub stopped soon after it formed its network alive until it fired.
      const waiter: Waiter = { resolve: (info) => (bound.cancel(), resolve(info)), reject };
      this.waiters.push(waiter);
    });
  }

  async leave(): Promise<void> {
    const { status } = await this.host.command('leaveNetwork', { options: 0 });
    if (status !== 0) throw new RadioError('RADIO_COMMAND_FAILED', `leaveNetwork: ${statusName(status, this.host.version ?? 13)}`, { where: 'EZSP leaveNetwork' });
    this.markDown('left the network to form a new one');
    this.nodes.clear();
  }

  stackUp(): void {
    if (this.host.ready) void this.refresh();
    else this.refreshPending = true;
  }

  /** The host is ready (again): read the network if the stack said it came up meanwhile. */
  async hostReady(): Promise<void> {
    if (!this.refreshPending) return;
    this.refreshPending = false;
    await this.refresh();
  }

  stackDown(reason: string): void {
    this.markDown(reason);
  }

  linkLost(reason: string): void {
    this.markDown(`NCP link lost: ${reason}`);
  }

  channelChanged(channel: number): void {
    if (this.info) this.info = { ...this.info, channel };
  }

  learn(eui64: Eui64, nodeId: number): void {
    if (eui64 !== NO_EUI64 && nodeId !== UNKNOWN_NODE_ID) this.nodes.set(eui64, nodeId);
  }

  forget(eui64: Eui64): void {
    this.nodes.delete(eui64);
    this.recent.delete(eui64);
  }

  knownNodeId(eui64: Eui64): number | undefined {
    return this.nodes.get(eui64);
  }

  /** The node id for a device: known from joins and traffic, else asked of the NCP. */
  async nodeIdOf(eui64: Eui64): Promise<number | undefined> {
    const known = this.nodes.get(eui64);
    if (known !== undefined) return known;
    try {
      const { nodeId } = await this.host.command('lookupNodeIdByEui64', { eui64 });
      if (nodeId === UNKNOWN_NODE_ID) return undefined;
      this.nodes.set(eui64, nodeId);
      return nodeId;
    } catch (error) {
      if (error instanceof EzspError && error.code === 'EZSP_INVALID_COMMAND') return undefined;
      throw error;
    }
  }

  incoming(p: ResponseParams<'incomingMessageHandler'>): void {
    const eui64 = p.senderLongId !== NO_EUI64 ? p.senderLongId : this.eui64Of(p.senderShortId);
    if (eui64) this.deliver(eui64, p);
    else void this.lookUpSender(p);
  }

  /**
   * A node the host never saw join (it joined before this host started, or a restored network's NCP
   * learnt it from its traffic) and EZSP 13 names no sender: ask the NCP who it is.
   */
  private async lookUpSender(p: ResponseParams<'incomingMessageHandler'>): Promise<void> {
    try {
      const { status, eui64 } = await this.host.command('lookupEui64ByNodeId', { nodeId: p.senderShortId });
      if (status === 0 && eui64 !== NO_EUI64) return this.deliver(eui64, p);
    } catch (error) {
      if (!(error instanceof EzspError)) throw error;
    }
    this.log.warn({ nodeId: p.senderShortId }, 'message from a node with no known EUI-64 dropped');
  }

  private deliver(eui64: Eui64, p: ResponseParams<'incomingMessageHandler'>): void {
    this.learn(eui64, p.senderShortId);
    // ZDO (a Device_annce, say) is the network's business: learning the node's address above is all it is for.
    if (p.apsFrame.profileId === ZDO_PROFILE) return;
    if (this.isDuplicate(eui64, p)) {
      this.log.debug({ eui64, apsCounter: p.apsFrame.sequence }, 'duplicate APS frame suppressed');
      return;
    }
    const { profileId, clusterId, sourceEndpoint, destinationEndpoint } = p.apsFrame;
    this.events.emit('message', {
      eui64,
      nodeId: p.senderShortId,
      profileId,
      clusterId,
      sourceEndpoint,
      destinationEndpoint,
      payload: Buffer.from(p.messageContents),
      lqi: p.lastHopLqi,
      rssi: p.lastHopRssi,
    });
  }

  /** Channels 11..26, or Sub GHz page-and-channel values (channel-pages.ts); one scan per page. */
  async energyScan(channels: number[], durationExponent: number): Promise<EnergyReading[]> {
    if (channels.length === 0 || channels.some((c) => !isTwoFourChannel(c) && !subGhzChannel(c))) {
      throw new RadioError('RADIO_BAD_ARGUMENT', `channels must be 11..26 or Sub GHz page-and-channel values, got [${channels.join(', ')}]`, { where: 'energyScan' });
    }
    if (!Number.isInteger(durationExponent) || durationExponent < 0 || durationExponent > 14) {
      throw new RadioError('RADIO_BAD_ARGUMENT', `duration exponent ${durationExponent} is not 0..14`, { where: 'energyScan' });
    }
    if (this.scan) throw new RadioError('RADIO_BUSY', 'an energy scan is already running', { where: 'energyScan' });
    const readings: EnergyReading[] = [];
    for (const mask of scanMasks(channels)) readings.push(...(await this.scanMask(mask, channels.length, durationExponent)));
    return readings.filter((r) => channels.includes(r.channel));
  }

  private async scanMask(mask: number, channels: number, durationExponent: number): Promise<EnergyReading[]> {
    const readings: EnergyReading[] = [];
    const limitMs = channels * (2 ** durationExponent + 1) * SCAN_UNIT_MS + SCAN_MARGIN_MS;
    const finished = new Promise<number>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => reject(new RadioError('RADIO_TIMEOUT', `scan did not complete within ${Math.round(limitMs)} ms`, { where: 'energyScan' })), limitMs);
      this.scan = { readings, done: (status) => (timer.cancel(), resolve(status)) };
    });
    try {
      const { status } = await this.host.command('startScan', { scanType: EzspNetworkScanType.ENERGY_SCAN, channelMask: mask, duration: durationExponent });
      if (status !== 0) throw new RadioError('RADIO_COMMAND_FAILED', `startScan refused (sl_status 0x${status.toString(16)})`, { where: 'energyScan' });
      const status2 = await finished;
      if (status2 !== 0) throw new RadioError('RADIO_COMMAND_FAILED', `scan ended with ${statusName(status2, this.host.version ?? 13)}`, { where: 'energyScan' });
      return readings;
    } finally {
      finished.catch(() => undefined);
      this.scan = undefined;
    }
  }

  eui64Of(nodeId: number): Eui64 | undefined {
    for (const [eui64, id] of this.nodes) if (id === nodeId) return eui64;
    return undefined;
  }

  private isDuplicate(eui64: Eui64, p: ResponseParams<'incomingMessageHandler'>): boolean {
    const digest = createHash('sha256').update(p.messageContents).digest('hex').slice(0, 16);
    const key = `${p.apsFrame.sequence}:${p.apsFrame.clusterId}:${digest}`;
    const seen = this.recent.get(eui64) ?? [];
    if (seen.includes(key)) return true;
    seen.push(key);
    if (seen.length > DUPLICATE_WINDOW) seen.shift();
    this.recent.set(eui64, seen);
    return false;
  }

  private async refresh(): Promise<void> {
    try {
      const { eui64 } = await this.host.command('getEui64', {});
      const { nodeId } = await this.host.command('getNodeId', {});
      const { status, parameters } = await this.host.command('getNetworkParameters', {});
      if (status !== 0) throw new Error(`getNetworkParameters: ${statusName(status, this.host.version ?? 13)}`);
      this.info = {
        channel: parameters.radioChannel,
        panId: parameters.panId,
        extendedPanId: parameters.extendedPanId,
        radioTxPower: parameters.radioTxPower,
        localEui64: eui64,
        nodeId,
      };
      this.up = true;
      this.hasNetwork = true;
      const waiters = this.waiters;
      this.waiters = [];
      this.events.emit('networkUp', this.info);
      for (const waiter of waiters) waiter.resolve(this.info);
    } catch (error) {
      // The link fell again while reading; the next recovery reports the network.
      this.refreshPending = true;
      this.log.warn({ detail: (error as Error).message }, 'could not read the network parameters');
    }
  }

  private markDown(reason: string): void {
    const wasUp = this.up;
    this.up = false;
    if (wasUp) this.events.emit('networkDown', reason);
  }
}
