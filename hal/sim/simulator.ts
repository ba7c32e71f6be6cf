import { EventEmitter } from 'node:events';
import { AshEndpoint, type AshEndpointOptions } from '../ash/index.js';
import type { Clock } from '../clock.js';
import { HubError } from '../errors.js';
import { encodeResponse, MAX_EZSP_VERSION, MIN_EZSP_VERSION } from '../ezsp/index.js';
import { parseEui64 } from '../eui64.js';
import { silentLogger, type Logger } from '../log.js';
import type { ApsAddress, Eui64 } from '../radio.js';
import type { Transport } from '../transport/transport.js';
import { DEFAULT_ADDRESS, MAX_MESSAGE_LENGTH, SimDevice, type ReceivedMessage, type SendOutcome } from './device.js';
import { DeviceAnswers, reportJoined, reportLeft } from './device-answers.js';
import { FACTORY_FIRMWARE, SimOtaClient } from './ota-client.js';
import { FaultyTransport, type LineCounts, type LineFaults } from './faulty-transport.js';
import { SimulatedNcp } from './ncp.js';
import type { NcpEvents } from './ncp-context.js';
import { SimNvm } from './nvm.js';
import { SeededRandom } from './random.js';
import type { DeviceSpec, FaultDirection, FaultSettings, Scenario } from './scenario.js';
import { requestJoin, type JoinOutcome } from './trust-centre.js';
import { SimTunnelEnd, TUNNEL_DEVICE_TYPES, type TunnelledMessage } from './tunnel-end.js';
import { GBCS_MESSAGE_TAGS } from '../tunnel/header.js';
import { GBCS_TUNNEL } from '../tunnel/protocol.js';

/**
 * The simulated HAN in one object: an NCP and the scenario's devices, served over whatever
 * Transport the host reaches it by (TCP, a pty, an in-memory pair). Tests drive it directly;
 * `hub sim` puts the control server in front of it.
 */
export interface SimulatorOptions {
  scenario: Scenario;
  /** Drives the HAN's timing: wake intervals, joining windows, retries, injected delays. */
  clock: Clock;
  logger?: Logger;
  /** Overrides the scenario's fault seed. */
  seed?: number;
  /** The one EZSP version the NCP speaks (default 13). */
  ezspVersion?: number;
  /** ASH timing for the NCP's end of the link (it always runs on real time). */
  ash?: Partial<Omit<AshEndpointOptions, 'role' | 'transport' | 'clock' | 'logger'>>;
}

export type RuntimeFaults = Partial<Omit<FaultSettings, 'seed'>>;

export interface DeviceStatus {
  name: string;
  eui64: Eui64;
  type: DeviceSpec['type'];
  sleepy: boolean;
  joined: boolean;
  nodeId: number | null;
  /** The install code the hub is to be given for this device (personal data: never log it). */
  installCode: string;
  /** Whether the hub is to be told about it at start (false: a head end adds it with CCS01). */
  commissioned: boolean;
  received: number;
  sent: number;
  failed: number;
  pending: number;
}

export interface SimulatorStatus {
  linkConnected: boolean;
  networkUp: boolean;
  joiningOpen: boolean;
  ezspVersion: number;
  hostFrames: number;
  resets: number;
  network: { channel: number; panId: number; extendedPanId: string } | null;
  faults: Omit<FaultSettings, 'seed'> & { seed: number };
  line: Record<FaultDirection, LineCounts>;
  devices: DeviceStatus[];
}

/** What the NCP reports (but its per-frame tick), and what the devices and injected resets add. */
export interface SimulatorEvents extends Omit<NcpEvents, 'hostFrame'> {
  ncpReset: [announce: 'rstack' | 'error'];
  /** A device received a message from the hub. */
  messageReceived: [eui64: Eui64, message: ReceivedMessage];
  /** A device's message to the hub reached the host, or the device gave up on it. */
  sendDone: [eui64: Eui64, outcome: SendOutcome];
  /** A Device got a GBCS message from the hub through one of its tunnels. */
  gbcsReceived: [eui64: Eui64, message: TunnelledMessage];
}

export class SimulatorError extends HubError {}

const FORWARDED: ReadonlyArray<keyof Omit<NcpEvents, 'hostFrame'>> = ['booted', 'linkDown', 'networkUp', 'networkDown', 'joiningChanged', 'deviceJoined', 'joinRefused', 'deviceLeft'];

export class Simulator extends EventEmitter<SimulatorEvents> {
  readonly scenario: Scenario;
  readonly ncp: SimulatedNcp;
  private readonly devices = new Map<Eui64, SimDevice>();
  private readonly tunnelEnds = new Map<Eui64, SimTunnelEnd>();
  private readonly answers = new Map<Eui64, DeviceAnswers>();
  private readonly otaClients = new Map<Eui64, SimOtaClient>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly seed: number;
  private faults: Omit<FaultSettings, 'seed'>;
  private line: FaultyTransport | undefined;
  private link: AshEndpoint | undefined;
  private resetAt: number | undefined;
  private resets = 0;

  constructor(private readonly options: SimulatorOptions) {
    super();
    this.scenario = options.scenario;
    this.clock = options.clock;
    this.logger = options.logger ?? silentLogger;
    this.seed = options.seed ?? options.scenario.faults.seed;
    const { seed: _seed, ...faults } = options.scenario.faults;
    this.faults = faults;
    const ezspVersion = options.ezspVersion ?? MIN_EZSP_VERSION;
    if (ezspVersion < MIN_EZSP_VERSION || ezspVersion > MAX_EZSP_VERSION) {
      throw new SimulatorError('SIM_BAD_EZSP_VERSION', `EZSP ${ezspVersion} is outside ${MIN_EZSP_VERSION}..${MAX_EZSP_VERSION}`, { where: 'ezspVersion' });
    }
    this.ncp = new SimulatedNcp({
      scenario: this.scenario,
      nvm: new SimNvm(),
      clock: this.clock,
      random: new SeededRandom(this.seed),
      logger: this.logger.child({ part: 'ncp' }),
      devices: this.devices,
      ezspVersion,
      delayMs: () => this.faults.delayMs,
    });
    for (const spec of this.scenario.devices) this.addDevice(spec);
    for (const name of FORWARDED) this.ncp.on(name, (...args: unknown[]) => (this.emit as (n: string, ...a: unknown[]) => boolean)(name, ...args));
    this.ncp.on('hostFrame', (_name, count) => this.maybeResetAfterFrames(count));
    this.ncp.on('deviceJoined', ({ eui64 }) => this.withAnswers(eui64, (answers) => reportJoined(this.ncp, answers)));
    this.ncp.on('deviceLeft', ({ eui64, nodeId }) => this.withAnswers(eui64, (answers) => reportLeft(this.ncp, answers, nodeId)));
    this.ncp.on('joiningChanged', (open) => {
      if (open) setImmediate(() => this.joinWaitingDevices());
    });
    this.armResetAfterFrames();
  }

  /** Devices nobody commissioned at start ask to join once the trust centre holds their key (a head end's CCS01 put it there). */
  private joinWaitingDevices(): void {
    for (const device of this.devices.values()) {
      if (device.spec.commissioned || device.joined || !this.ncp.ram.transientKeys.has(device.spec.eui64)) continue;
      const outcome = this.join(device.spec.eui64);
      this.logger.info({ device: device.spec.name, outcome }, 'an uncommissioned device asked to join');
    }
  }

  private addDevice(spec: DeviceSpec): void {
    const device = new SimDevice(spec, this.clock, this.scenario.aps, this.ncp);
    device.on('received', (message) => this.emit('messageReceived', spec.eui64, message));
    device.on('sendDone', (outcome) => this.emit('sendDone', spec.eui64, outcome));
    this.devices.set(spec.eui64, device);
    this.answers.set(spec.eui64, new DeviceAnswers(device, this.ncp));
    const firmware = FACTORY_FIRMWARE[spec.type];
    if (firmware) this.otaClients.set(spec.eui64, new SimOtaClient(device, this.clock, firmware));
    if (TUNNEL_DEVICE_TYPES.includes(spec.type)) {
      const end = new SimTunnelEnd(device, this.clock, this.logger.child({ part: 'tunnel', device: spec.name }));
      end.on('gbcs', (message) => this.emit('gbcsReceived', spec.eui64, message));
      this.tunnelEnds.set(spec.eui64, end);
    }
    device.start();
  }

  private withAnswers(eui64: Eui64, work: (answers: DeviceAnswers) => void): void {
    const answers = this.answers.get(eui64);
    if (answers) work(answers);
  }

  /**
   * Serve the host over `transport` (opening it if needed). A new transport replaces the previous
   * one, as when a TCP client reconnects; the network, devices and their queues carry on.
   */
  serve(transport: Transport): void {
    const previous = this.link;
    if (previous) void previous.close();
    this.line = new FaultyTransport(transport, this.lineFaults(), this.seed);
    this.link = new AshEndpoint({ ...this.options.ash, role: 'ncp', transport: this.line, clock: this.clock, logger: this.logger.child({ part: 'ash' }) });
    this.ncp.attach(this.link);
  }

  private lineFaults(): LineFaults {
    const { corruptOneIn, dropOneIn, duplicateOneIn, directions } = this.faults;
    return { corruptOneIn, dropOneIn, duplicateOneIn, directions };
  }

  device(eui64: Eui64 | string): SimDevice {
    const canonical = parseEui64(eui64, 'eui64');
    const device = this.devices.get(canonical);
    if (!device) throw new SimulatorError('SIM_UNKNOWN_DEVICE', `no device ${canonical} in ${this.scenario.source}`, { where: 'eui64' });
    return device;
  }

  /** A Device's OTA Upgrade client (the ESME, GSME, PPMID and HCALCS have one). */
  otaClient(eui64: Eui64 | string): SimOtaClient {
    const client = this.otaClients.get(this.device(eui64).eui64);
    if (!client) throw new SimulatorError('SIM_NO_OTA_CLIENT', `${this.device(eui64).spec.name} takes no firmware images`, { where: 'eui64' });
    return client;
  }

  /** The device asks to join now. */
  join(eui64: Eui64 | string): JoinOutcome {
    return requestJoin(this.ncp, this.device(eui64));
  }

  /** The largest APS payload a device can send to the hub in one incomingMessageHandler frame. */
  maxPayloadLength(): number {
    const empty = encodeResponse(
      'incomingMessageHandler',
      {
        type: 0,
        apsFrame: { profileId: 0, clusterId: 0, sourceEndpoint: 0, destinationEndpoint: 0, options: 0, groupId: 0, sequence: 0 },
        lastHopLqi: 0,
        lastHopRssi: 0,
        senderShortId: 0,
        senderLongId: '0000000000000000',
        bindingIndex: 0,
        addressIndex: 0,
        lastHopTimestamp: 0,
        messageContents: Buffer.alloc(0),
      },
      0,
      this.ncp.version,
    );
    return (this.options.ash?.maxDataLength ?? 128) - empty.length;
  }

  /**
   * Queue messages from a device to the hub; each payload is one APS message, sent in blocks when
   * it does not fit one frame. Returns their APS counters.
   */
  send(from: Eui64 | string, payloads: Buffer[], address: Partial<ApsAddress> = {}): number[] {
    const device = this.device(from);
    payloads.forEach((payload, i) => {
      if (payload.length > MAX_MESSAGE_LENGTH) {
        throw new SimulatorError('SIM_PAYLOAD_TOO_LONG', `payload ${i} is ${payload.length} bytes; a device sends at most ${MAX_MESSAGE_LENGTH}`, { where: 'payload' });
      }
    });
    const full = { ...DEFAULT_ADDRESS, ...address };
    return payloads.flatMap((payload) => device.send(payload, full));
  }

  received(eui64: Eui64 | string): readonly ReceivedMessage[] {
    return this.device(eui64).received;
  }

  /** A GBCS Device's end of its tunnels (ESME, GSME, PPMID, HCALCS). */
  tunnelEnd(eui64: Eui64 | string): SimTunnelEnd {
    const device = this.device(eui64);
    const end = this.tunnelEnds.get(device.eui64);
    if (!end) throw new SimulatorError('SIM_NO_TUNNEL', `${device.spec.name} is a ${device.spec.type}, which has no GBCS tunnel`, { where: 'eui64' });
    return end;
  }

  /** GBCS messages the Device got from the hub through its tunnels, in order (none for a Device without tunnels). */
  tunnelled(eui64: Eui64 | string): readonly TunnelledMessage[] {
    return this.tunnelEnds.get(this.device(eui64).eui64)?.received ?? [];
  }

  /** The Device sends a GBCS message to the hub through its tunnel (the GSME as a PUT when it next wakes). */
  sendGbcs(from: Eui64 | string, gbcs: Buffer): void {
    const end = this.tunnelEnd(from);
    if (!end.device.joined) throw new SimulatorError('SIM_NOT_JOINED', `${end.device.spec.name} is not on the network`, { where: 'from' });
    // The GSME's PUT header is one of the transfer's 1,500 octets.
    const limit = GBCS_TUNNEL.maxIncomingTransferSize - (end.device.spec.sleepy ? 1 : 0);
    if (gbcs.length > limit) throw new SimulatorError('SIM_BAD_GBCS', `${gbcs.length} octets; one tunnel transfer carries at most ${limit}`, { where: 'gbcs' });
    if (!GBCS_MESSAGE_TAGS.includes(gbcs[0] ?? -1)) throw new SimulatorError('SIM_BAD_GBCS', 'a GBCS message starts with 0xDD or 0xDF', { where: 'gbcs[0]' });
    end.sendGbcs(gbcs);
  }

  outcomes(eui64: Eui64 | string): readonly SendOutcome[] {
    return this.device(eui64).outcomes;
  }

  /** Change faults at run time; unspecified ones keep their value. */
  setFaults(faults: RuntimeFaults): void {
    this.faults = { ...this.faults, ...faults };
    this.line?.setFaults(this.lineFaults());
    if (faults.resetAfterFrames !== undefined) this.armResetAfterFrames();
  }

  private armResetAfterFrames(): void {
    this.resetAt = this.faults.resetAfterFrames > 0 ? this.ncp.hostFrames + this.faults.resetAfterFrames : undefined;
  }

  private maybeResetAfterFrames(count: number): void {
    if (this.resetAt === undefined || count < this.resetAt) return;
    this.resetAt = undefined;
    this.faults.resetAfterFrames = 0;
    // After the current frame's answer is queued, as a crash between frames would.
    setImmediate(() => void this.resetNcp());
  }

  /** Reset the NCP as a crash would: RAM lost, flash kept, the link dropped with RSTACK or ERROR. */
  async resetNcp(announce: 'rstack' | 'error' = 'rstack'): Promise<void> {
    this.resets++;
    this.logger.info({ announce }, 'resetting the simulated NCP');
    this.emit('ncpReset', announce);
    await this.ncp.resetNcp(announce);
  }

  /**
   * Put a blank NCP in the old one's place, as a replaced or reflashed radio module: flash erased,
   * RAM lost, the link reset. The devices carry on with what they hold (the network they joined).
   */
  async replaceNcp(): Promise<void> {
    this.logger.info('replacing the simulated NCP with a blank one');
    this.ncp.nvm.erase();
    await this.resetNcp();
  }

  status(): SimulatorStatus {
    const network = this.ncp.nvm.network;
    const empty: LineCounts = { bytes: 0, corrupted: 0, dropped: 0, frames: 0, duplicated: 0 };
    return {
      linkConnected: this.ncp.linkConnected,
      networkUp: this.ncp.ram.networkUp,
      joiningOpen: this.ncp.ram.joiningOpen(),
      ezspVersion: this.ncp.version,
      hostFrames: this.ncp.hostFrames,
      resets: this.resets,
      network: network && this.ncp.ram.networkUp ? { channel: network.channel, panId: network.panId, extendedPanId: network.extendedPanId } : null,
      faults: { ...this.faults, directions: [...this.faults.directions], seed: this.seed },
      line: this.line?.counts() ?? { toHost: { ...empty }, toNcp: { ...empty } },
      devices: [...this.devices.values()].map((device) => deviceStatus(device)),
    };
  }

  async close(): Promise<void> {
    for (const device of this.devices.values()) device.stop();
    for (const client of this.otaClients.values()) client.stop();
    await this.ncp.close();
    this.link = undefined;
  }
}

function deviceStatus(device: SimDevice): DeviceStatus {
  const { spec } = device;
  return {
    name: spec.name,
    eui64: spec.eui64,
    type: spec.type,
    sleepy: spec.sleepy,
    joined: device.joined,
    nodeId: device.nodeId ?? null,
    installCode: spec.declaredInstallCode,
    commissioned: spec.commissioned,
    received: device.received.length,
    sent: device.outcomes.filter((o) => o.delivered).length,
    failed: device.outcomes.filter((o) => !o.delivered).length,
    pending: device.pending(),
  };
}
