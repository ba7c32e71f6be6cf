import { EventEmitter } from 'node:events';
import type { AshLink } from '../ash/link.js';
import type { Clock, Timer } from '../clock.js';
import type { HubError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { decodeFrame, encodeRequest, type EzspFrame, type RequestParams, type ResponseParams } from './codec.js';
import { EzspStatus, nameOf } from './enums.js';
import { EzspError, EzspFrameError } from './errors.js';
import { FRAMES, MAX_EZSP_VERSION, MIN_EZSP_VERSION, isCallback, type CallbackName, type CommandName } from './frames.js';

/**
 * The host end of EZSP over an AshLink: negotiates the protocol version, sends one command at a
 * time and matches its response by sequence number (with a timeout), hands callbacks up as typed
 * events, and after the link resets (the NCP has lost its RAM) brings it back: reconnect, version,
 * then the caller's `initialise` (configuration, policies, networkInit) before anything else runs.
 */

export interface EzspVersionInfo {
  protocolVersion: number;
  stackType: number;
  /** EmberZNet version, one nibble per digit: 0x7430 is 7.4.3.0. */
  stackVersion: number;
}

export type EzspCallbackEvents = { [N in CallbackName]: [params: ResponseParams<N>] };

export type EzspHostEvents = EzspCallbackEvents & {
  /** Version negotiated and `initialise` done: commands may flow (first start and every recovery). */
  ready: [info: EzspVersionInfo];
  /** The link went down; commands fail with EZSP_LINK_DOWN until `ready`. */
  down: [error: HubError];
  /** Recovery gave up for good (the NCP now speaks an unsupported version). */
  failed: [error: HubError];
};

export interface EzspHostOptions {
  link: AshLink;
  clock: Clock;
  logger?: Logger;
  /** How long a command may wait for its response (default 8 s). */
  commandTimeoutMs?: number;
  /** Pause between attempts to bring a lost link back (default 1 s). */
  reconnectDelayMs?: number;
  /** The version asked for in the first `version` command (default the newest this table knows). */
  preferredVersion?: number;
  /** Run after every version negotiation, before other commands are let through. */
  initialise?: (ezsp: EzspCommander) => Promise<void>;
}

/** What can send EZSP commands: the host itself, and the view of it `initialise` gets. */
export interface EzspCommander {
  readonly version: number | null;
  command<N extends CommandName>(name: N, params: RequestParams<N>): Promise<ResponseParams<N>>;
}

export interface EzspHostCounters {
  commands: number;
  timeouts: number;
  callbacks: number;
  badFrames: number;
  staleResponses: number;
  recoveries: number;
}

type State = 'stopped' | 'starting' | 'ready' | 'down' | 'closed';

interface Pending {
  sequence: number;
  name: CommandName;
  resolve: (frame: EzspFrame) => void;
  reject: (error: HubError) => void;
  timer: Timer;
  /** Its response arrived; it resolves after the read that carried it. */
  answered?: boolean;
}

export class EzspHost extends EventEmitter<EzspHostEvents> implements EzspCommander {
  readonly counters: EzspHostCounters = { commands: 0, timeouts: 0, callbacks: 0, badFrames: 0, staleResponses: 0, recoveries: 0 };
  private readonly link: AshLink;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly reconnectDelayMs: number;
  private readonly preferredVersion: number;
  private readonly initialise: ((ezsp: EzspCommander) => Promise<void>) | undefined;
  private state: State = 'stopped';
  private negotiated: EzspVersionInfo | null = null;
  private sequence = 0;
  private pending: Pending | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private recovering = false;

  constructor(options: EzspHostOptions) {
    super();
    this.link = options.link;
    this.clock = options.clock;
    this.log = (options.logger ?? silentLogger).child({ component: 'ezsp' });
    this.timeoutMs = options.commandTimeoutMs ?? 8000;
    this.reconnectDelayMs = options.reconnectDelayMs ?? 1000;
    this.preferredVersion = options.preferredVersion ?? MAX_EZSP_VERSION;
    this.initialise = options.initialise;
    this.link.on('frame', this.onFrame);
    this.link.on('disconnected', this.onDisconnected);
    // A frame damaged past ASH's CRC is refused there, so the NCP sends it again, rather than lost here.
    this.link.vetFrames?.((bytes) => this.readable(bytes));
  }

  private vetted: { bytes: Buffer; frame: EzspFrame } | undefined;

  /** Whether the bytes can be an EZSP frame; a frame id this table lacks is still a frame. */
  private readable(bytes: Buffer): boolean {
    try {
      this.vetted = { bytes, frame: decodeFrame(bytes, this.version ?? MIN_EZSP_VERSION) };
      return true;
    } catch (error) {
      this.vetted = undefined;
      return error instanceof EzspFrameError && error.code === 'EZSP_UNKNOWN_FRAME';
    }
  }

  /** The negotiated protocol version, or null before the first negotiation. */
  get version(): number | null {
    return this.negotiated?.protocolVersion ?? null;
  }

  get versionInfo(): EzspVersionInfo | null {
    return this.negotiated;
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /** Connect, negotiate and initialise once; rejects (typed) if any step fails. */
  async start(): Promise<EzspVersionInfo> {
    if (this.state === 'closed') throw new EzspError('EZSP_STOPPED', 'host was stopped', { where: 'EzspHost.start' });
    this.state = 'starting';
    try {
      const info = await this.bringUp();
      return info;
    } catch (error) {
      if (this.state === 'starting') this.state = 'down';
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.state = 'closed';
    this.failPending(new EzspError('EZSP_STOPPED', 'host was stopped', { where: 'EzspHost.stop' }));
    this.link.off('frame', this.onFrame);
    this.link.off('disconnected', this.onDisconnected);
    await this.link.close();
  }

  /**
   * Send one command and resolve with its response parameters. Commands run one at a time in call
   * order. Rejects with EZSP_LINK_DOWN when the link is not ready, EZSP_TIMEOUT when no response
   * comes, EZSP_INVALID_COMMAND when the NCP refuses the frame.
   */
  command<N extends CommandName>(name: N, params: RequestParams<N>): Promise<ResponseParams<N>> {
    if (this.state !== 'ready') {
      return Promise.reject(new EzspError('EZSP_LINK_DOWN', `cannot send ${name}: the NCP link is ${this.state}`, { where: `EZSP ${name}` }));
    }
    return this.enqueue(name, params, 'extended', true);
  }

  private enqueue<N extends CommandName>(
    name: N,
    params: RequestParams<N>,
    format: 'legacy' | 'extended',
    needsReady: boolean,
  ): Promise<ResponseParams<N>> {
    const run = this.chain.then(() => this.execute(name, params, format, needsReady));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async execute<N extends CommandName>(
    name: N,
    params: RequestParams<N>,
    format: 'legacy' | 'extended',
    needsReady: boolean,
  ): Promise<ResponseParams<N>> {
    const where = `EZSP ${name}`;
    if ((needsReady && this.state !== 'ready') || this.state === 'closed' || !this.link.connected) {
      throw new EzspError('EZSP_LINK_DOWN', `cannot send ${name}: the NCP link is ${this.state}`, { where });
    }
    const sequence = this.sequence;
    this.sequence = (this.sequence + 1) & 0xff;
    const bytes = encodeRequest(name, params, sequence, this.version ?? MIN_EZSP_VERSION, format);
    this.counters.commands++;
    const response = new Promise<EzspFrame>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        if (this.pending?.sequence !== sequence) return;
        this.pending = undefined;
        this.counters.timeouts++;
        reject(new EzspError('EZSP_TIMEOUT', `no response within ${this.timeoutMs} ms`, { where }));
      }, this.timeoutMs);
      this.pending = { sequence, name, resolve, reject, timer };
    });
    this.link.send(bytes).catch((cause: unknown) => {
      if (this.pending?.sequence !== sequence) return;
      this.failPending(new EzspError('EZSP_LINK_DOWN', `${name} was not delivered: link lost`, { where, cause }));
    });
    const frame = await response;
    if (frame.name === 'invalidCommand') {
      const reason = (frame.params as ResponseParams<'invalidCommand'>).reason;
      throw new EzspError('EZSP_INVALID_COMMAND', `NCP refused the command: ${nameOf(EzspStatus, reason)}`, { where });
    }
    return frame.params as ResponseParams<N>;
  }

  private failPending(error: HubError): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    pending.timer.cancel();
    pending.reject(error);
  }

  private readonly onFrame = (bytes: Buffer): void => {
    let frame: EzspFrame;
    try {
      const vetted = this.vetted;
      this.vetted = undefined;
      frame = vetted?.bytes === bytes ? vetted.frame : decodeFrame(bytes, this.version ?? MIN_EZSP_VERSION);
    } catch (error) {
      if (!(error instanceof EzspFrameError)) throw error;
      this.counters.badFrames++;
      this.log.warn({ code: error.code, detail: error.message }, 'undecodable EZSP frame dropped');
      // A response we cannot read still answers the pending command; fail it rather than time out.
      if (this.pending && bytes[0] === this.pending.sequence && isResponseBytes(bytes)) this.failPending(error);
      return;
    }
    if (frame.direction !== 'response') {
      this.counters.badFrames++;
      this.log.warn({ frame: frame.name }, 'EZSP request received by the host, dropped');
      return;
    }
    if (frame.overflow) this.log.warn('NCP reports lost callbacks (overflow)');
    if (isCallback(frame.name)) {
      this.counters.callbacks++;
      (this.emit as (event: string, params: unknown) => boolean)(frame.name, frame.params);
      return;
    }
    const pending = this.pending;
    if (!pending || pending.sequence !== frame.sequence || (frame.name !== pending.name && frame.name !== 'invalidCommand')) {
      this.counters.staleResponses++;
      this.log.debug({ frame: frame.name, sequence: frame.sequence }, 'EZSP response matches no pending command');
      return;
    }
    pending.timer.cancel();
    if (pending.answered) return;
    pending.answered = true;
    // Act on the answer once the rest of this read is processed. If the same read carries the NCP's
    // reset, the command fails with EZSP_LINK_DOWN instead: what the answer promised (such as the
    // delivery report after sendUnicast) was lost with the NCP's RAM, and the caller must know.
    setImmediate(() => {
      if (this.pending !== pending) return;
      this.pending = undefined;
      pending.resolve(frame);
    });
  };

  private readonly onDisconnected = (error: HubError): void => {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.failPending(new EzspError('EZSP_LINK_DOWN', 'the NCP link was lost', { where: 'EZSP', cause: error }));
    if (this.state === 'starting') return; // start() reports the failure itself
    this.state = 'down';
    if (wasReady) {
      this.log.warn({ code: error.code }, 'NCP link lost; recovering');
      this.emit('down', error);
    }
    void this.recover();
  };

  private async recover(): Promise<void> {
    if (this.recovering) return;
    this.recovering = true;
    try {
      while (this.state === 'down') {
        try {
          await this.bringUp();
          this.counters.recoveries++;
          return;
        } catch (error) {
          if (error instanceof EzspError && error.code === 'EZSP_VERSION_UNSUPPORTED') {
            this.state = 'down';
            this.emit('failed', error);
            return;
          }
          if ((this.state as State) === 'closed') return;
          this.state = 'down';
          this.log.warn({ detail: (error as Error).message }, 'NCP recovery attempt failed; retrying');
          await this.clock.sleep(this.reconnectDelayMs);
        }
      }
    } finally {
      this.recovering = false;
    }
  }

  private async bringUp(): Promise<EzspVersionInfo> {
    if (this.state !== 'starting') this.state = 'starting';
    await this.link.connect();
    const info = await this.negotiate();
    if (this.initialise) {
      // Its commands run although the host is not ready yet; everyone else's wait for `ready`.
      const version = info.protocolVersion;
      await this.initialise({
        version,
        command: <N extends CommandName>(name: N, params: RequestParams<N>) => this.enqueue(name, params, 'extended', false),
      });
    }
    if ((this.state as State) !== 'starting') {
      throw new EzspError('EZSP_LINK_DOWN', 'link lost during initialisation', { where: 'EZSP initialise' });
    }
    this.state = 'ready';
    this.log.info({ protocolVersion: info.protocolVersion, stackVersion: info.stackVersion.toString(16) }, 'EZSP ready');
    this.emit('ready', info);
    return info;
  }

  /** Legacy-format `version` first; if the NCP answers another version, confirm it in the extended format. */
  private async negotiate(): Promise<EzspVersionInfo> {
    this.negotiated = null;
    const first = await this.enqueue('version', { desiredProtocolVersion: this.preferredVersion }, 'legacy', false);
    const offered = first.protocolVersion;
    if (offered < MIN_EZSP_VERSION) {
      throw new EzspError(
        'EZSP_VERSION_UNSUPPORTED',
        `NCP speaks EZSP protocol version ${offered}; this host needs version ${MIN_EZSP_VERSION} or later (update the NCP firmware)`,
        { where: 'EZSP version' },
      );
    }
    if (offered > MAX_EZSP_VERSION) {
      this.log.warn({ offered, newestKnown: MAX_EZSP_VERSION }, 'NCP speaks a newer EZSP than this table describes; using the newest layouts known');
    }
    let info: EzspVersionInfo = first;
    if (offered !== this.preferredVersion) {
      this.negotiated = { ...first };
      info = await this.enqueue('version', { desiredProtocolVersion: offered }, 'extended', false);
      if (info.protocolVersion !== offered) {
        throw new EzspError('EZSP_VERSION_UNSUPPORTED', `NCP answered version ${info.protocolVersion} after offering ${offered}`, {
          where: 'EZSP version',
        });
      }
    }
    this.negotiated = { protocolVersion: info.protocolVersion, stackType: info.stackType, stackVersion: info.stackVersion };
    return this.negotiated;
  }
}

function isResponseBytes(bytes: Buffer): boolean {
  return bytes.length >= 2 && ((bytes[1] as number) & 0x80) !== 0;
}

/** Whether a frame table entry exists for `name` (for callers building commands from data). */
export function isCommandName(name: string): name is CommandName {
  return name in FRAMES && !isCallback(name as CommandName);
}
