import type { Clock, Timer } from '../clock.js';
import { EMBER_COUNTER_COUNT, type ClusterLists, type EmberInitialSecurityState, type MulticastTableEntry } from '../ezsp/index.js';
import type { Eui64 } from '../radio.js';
import type { ApsMessage } from './device.js';

/** A unicast the NCP holds for a sleepy child until it polls (or the indirect timeout passes). */
export interface HeldMessage {
  message: ApsMessage;
  nodeId: number;
  messageTag: number;
  timer: Timer;
}

/** An endpoint the host registered with addEndpoint, kept whole so ZDO can describe it. */
export interface NcpEndpoint {
  endpoint: number;
  profileId: number;
  deviceId: number;
  deviceVersion: number;
  clusters: ClusterLists;
}

/**
 * Everything the simulated NCP keeps in RAM, and so loses when it resets (host RST or a fault):
 * the agreed EZSP version, configuration, the joining window, transient keys and pending sends.
 * A reset replaces the whole object; its timers are cancelled so nothing from before fires after.
 */
export class NcpRam {
  /** The EZSP version agreed with the host; undefined until a `version` command matched ours. */
  version: number | undefined;
  readonly config = new Map<number, number>();
  readonly policies = new Map<number, number>();
  readonly values = new Map<number, Buffer>();
  readonly endpoints = new Map<number, NcpEndpoint>();
  /** The manufacturer code in the NCP's node descriptor (Silicon Labs' until the host sets one). */
  manufacturerCode = 0x1002;
  readonly multicastTable = new Map<number, MulticastTableEntry>();
  /** setConcentrator's settings while the NCP acts as a concentrator (many-to-one routes). */
  concentrator: { type: number; minTime: number; maxTime: number } | undefined;
  sourceRouteDiscoveryMode = 0;
  /** One per EmberCounterType, since the host last read them. */
  readonly counters: number[] = Array.from({ length: EMBER_COUNTER_COUNT }, () => 0);
  initialSecurity: EmberInitialSecurityState | undefined;
  networkUp = false;
  /** A dual-band NCP's Sub GHz channel as setRadioChannel took it (page in bits 7..5); unset until the host sets one. */
  subGhzChannel: number | undefined;
  /** Clock time the joining window closes; Infinity while open without limit. */
  joiningUntil = 0;
  joiningTimer: Timer | undefined;
  readonly transientKeys = new Map<Eui64, Buffer>();
  readonly held = new Map<Eui64, HeldMessage[]>();
  apsCounter = 0;
  /** Sequence of the host's latest command; callbacks carry it. */
  lastSequence = 0;
  private readonly timers = new Set<Timer>();

  constructor(private readonly clock: Clock) {}

  joiningOpen(): boolean {
    return this.networkUp && this.clock.now() < this.joiningUntil;
  }

  nextApsCounter(): number {
    const counter = this.apsCounter;
    this.apsCounter = (this.apsCounter + 1) & 0xff;
    return counter;
  }

  /** Count one event, saturating as the NCP's 16-bit counters do. */
  count(counter: number): void {
    this.counters[counter] = Math.min(0xffff, (this.counters[counter] ?? 0) + 1);
  }

  /** A timer that dies with this RAM. */
  later(callback: () => void, delayMs: number): Timer {
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      callback();
    }, delayMs);
    this.timers.add(timer);
    return timer;
  }

  /** Power is gone: nothing scheduled from this RAM may run. */
  wipe(): void {
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    this.joiningTimer?.cancel();
    this.held.clear();
    this.transientKeys.clear();
    this.networkUp = false;
  }
}
