import type { Clock } from '../clock.js';
import type { CallbackName, CommandName, FrameName, RequestParams, ResponseParams } from '../ezsp/index.js';
import type { Logger } from '../log.js';
import type { Eui64 } from '../radio.js';
import type { SimDevice } from './device.js';
import type { NcpRam } from './ncp-ram.js';
import type { StatusMeaning } from './ncp-status.js';
import type { SimNvm } from './nvm.js';
import type { SeededRandom } from './random.js';
import type { Scenario } from './scenario.js';

// What a command handler sees of the simulated NCP: the handlers are the NCP's parts, so they take
// this view of it rather than the class that dispatches to them (which would close an import circle).
export interface NcpEvents {
  /** The link came up from a reset (the host's RST, or an injected one announced with RSTACK): RAM is fresh. */
  booted: [];
  linkDown: [reason: string];
  networkUp: [];
  networkDown: [];
  joiningChanged: [open: boolean];
  deviceJoined: [device: { eui64: Eui64; nodeId: number }];
  joinRefused: [device: { eui64: Eui64; reason: JoinRefusal }];
  deviceLeft: [device: { eui64: Eui64; nodeId: number }];
  /** The NCP handled one EZSP frame from the host. */
  hostFrame: [name: FrameName | 'undecodable', count: number];
}

export type JoinRefusal = 'NETWORK_DOWN' | 'JOINING_CLOSED' | 'NO_KEY' | 'WRONG_KEY';

export interface NcpOptions {
  scenario: Scenario;
  nvm: SimNvm;
  clock: Clock;
  random: SeededRandom;
  logger: Logger;
  devices: ReadonlyMap<Eui64, SimDevice>;
  /** The one EZSP protocol version this NCP speaks. */
  ezspVersion: number;
  /** Delay before each response and callback, read at send time (a fault that can change at run time). */
  delayMs: () => number;
}

/** The simulated NCP as its command handlers use it. */
export interface NcpContext {
  readonly options: NcpOptions;
  readonly ram: NcpRam;
  readonly nvm: SimNvm;
  readonly clock: Clock;
  readonly version: number;
  readonly linkConnected: boolean;
  status(meaning: StatusMeaning): number;
  device(eui64: Eui64): SimDevice | undefined;
  callback<N extends CallbackName>(name: N, params: ResponseParams<N>): void;
  toHost(frame: Buffer): Promise<boolean>;
  later(work: () => void, delayMs: number): void;
  soon(work: () => void): void;
  emit<K extends keyof NcpEvents>(event: K, ...args: NcpEvents[K]): boolean;
}

/** One EZSP command, answered from the NCP's state; callbacks it raises go out after the answer. */
export type CommandHandler<N extends CommandName = CommandName> = (ncp: NcpContext, params: RequestParams<N>) => ResponseParams<N>;

export type CommandHandlers = { [N in CommandName]?: CommandHandler<N> };
