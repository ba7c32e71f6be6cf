import { EventEmitter } from 'node:events';
import { type AshEndpoint, ResetCode } from '../ash/index.js';
import type { Clock } from '../clock.js';
import {
  decodeFrame,
  encodeResponse,
  EzspStatus,
  EzspFrameError,
  FRAMES,
  frameNameById,
  MIN_EZSP_VERSION,
  type CallbackName,
  type RequestFrame,
  type ResponseParams,
} from '../ezsp/index.js';
import { EZSP_FRAME_NAMES } from '../ezsp/frame-names.js';
import type { Eui64 } from '../radio.js';
import type { SimNvm } from './nvm.js';
import type { ApsMessage, DeviceUplink, SimDevice } from './device.js';
import { COMMAND_HANDLERS } from './ncp-commands.js';
import type { CommandHandler, NcpContext, NcpEvents, NcpOptions } from './ncp-context.js';
import { fromDevice, pollFromDevice } from './ncp-messaging.js';
import { NcpRam } from './ncp-ram.js';
import { status, type StatusMeaning } from './ncp-status.js';

/** The frame id of an extended EZSP frame (the legacy format carries only `version`). */
function frameIdOf(bytes: Buffer): number | undefined {
  return bytes.length >= 5 ? bytes.readUInt16LE(3) : undefined;
}

/**
 * The simulated NCP: the EZSP end of one ASH link. It decodes the host's commands with the shared
 * codec, answers from its RAM and its "flash" (SimNvm), and sends callbacks asynchronously, as an
 * EZSP 13+ NCP on a UART does. A reset (the host's RST, or one injected as a fault) empties RAM and
 * keeps flash.
 */
export class SimulatedNcp extends EventEmitter<NcpEvents> implements DeviceUplink, NcpContext {
  ram: NcpRam;
  private link: AshEndpoint | undefined;
  /** Changes at every reboot; work begun before a reboot checks it and gives up. */
  private epoch = 0;
  private framesFromHost = 0;
  private sendTail: Promise<void> = Promise.resolve();
  private deferred: Buffer[] | undefined;

  constructor(readonly options: NcpOptions) {
    super();
    this.ram = new NcpRam(options.clock);
  }

  get nvm(): SimNvm {
    return this.options.nvm;
  }

  get clock(): Clock {
    return this.options.clock;
  }

  /** The agreed EZSP version (our own until the host asks). */
  get version(): number {
    return this.ram.version ?? this.options.ezspVersion;
  }

  get linkConnected(): boolean {
    return this.link?.connected ?? false;
  }

  get hostFrames(): number {
    return this.framesFromHost;
  }

  status(meaning: StatusMeaning): number {
    return status(meaning, this.version);
  }

  device(eui64: Eui64): SimDevice | undefined {
    return this.options.devices.get(eui64);
  }

  /** Serve `link` (in the ncp role): wait for the host's RST. */
  attach(link: AshEndpoint): void {
    this.link?.removeAllListeners();
    this.reboot();
    this.link = link;
    link.on('connected', () => {
      this.reboot();
      this.emit('booted');
    });
    link.on('disconnected', (error) => this.emit('linkDown', error.message));
    link.on('frame', (frame) => this.onHostFrame(frame));
    link.connect().catch((error: unknown) => this.options.logger.warn({ err: error }, 'NCP link did not connect'));
  }

  /**
   * Reset as silicon does when it crashes or is power-cycled: RAM is lost, flash kept, and the link
   * drops with an unsolicited RSTACK (or, with `announce: 'error'`, an ERROR frame and the FAILED
   * state until the host sends RST).
   */
  async resetNcp(announce: 'rstack' | 'error' = 'rstack'): Promise<void> {
    this.reboot();
    if (!this.link) return;
    if (announce === 'error') this.link.fail(ResetCode.EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT);
    else await this.link.resetAsNcp(ResetCode.WATCHDOG);
  }

  private reboot(): void {
    this.epoch++;
    this.ram.wipe();
    this.ram = new NcpRam(this.options.clock);
    this.sendTail = Promise.resolve();
  }

  private onHostFrame(bytes: Buffer): void {
    this.framesFromHost++;
    const epoch = this.epoch;
    let frame: RequestFrame | undefined;
    try {
      const decoded = decodeFrame(bytes, this.ram.version ?? MIN_EZSP_VERSION);
      if (decoded.direction !== 'request') return this.refuse(bytes, EzspStatus.ERROR_WRONG_DIRECTION);
      frame = decoded as RequestFrame;
    } catch (error) {
      if (!(error instanceof EzspFrameError)) throw error;
      if (error.code === 'EZSP_UNKNOWN_FRAME') this.warnUnanswered(frameIdOf(bytes));
      else this.options.logger.debug({ code: error.code }, 'undecodable EZSP frame from host');
      this.emit('hostFrame', 'undecodable', this.framesFromHost);
      const reason = error.code === 'EZSP_UNKNOWN_FRAME' ? EzspStatus.ERROR_INVALID_FRAME_ID : EzspStatus.ERROR_INVALID_VALUE;
      return this.refuse(bytes, reason);
    }
    this.ram.lastSequence = frame.sequence;
    this.options.logger.trace({ frame: frame.name, sequence: frame.sequence }, 'EZSP command');
    this.deferred = [];
    try {
      this.dispatch(frame);
    } catch (error) {
      // A simulator fault must not look like a dead link: answer as an NCP refusing the call, and say why.
      this.options.logger.error({ frame: frame.name, err: error instanceof Error ? error.message : String(error) }, 'simulated NCP failed on a command');
      this.refuse(frame, EzspStatus.ERROR_INVALID_CALL);
    } finally {
      const callbacks = this.deferred;
      this.deferred = undefined;
      if (epoch === this.epoch) for (const callback of callbacks) void this.toHost(callback);
    }
    this.emit('hostFrame', frame.name, this.framesFromHost);
  }

  private dispatch(frame: RequestFrame): void {
    if (frame.name === 'version') return this.answerVersion(frame as RequestFrame<'version'>);
    if (this.ram.version === undefined) return this.refuse(frame, EzspStatus.ERROR_VERSION_NOT_SET);
    const handler = COMMAND_HANDLERS[frame.name as keyof typeof COMMAND_HANDLERS] as CommandHandler | undefined;
    if (frame.name === 'callback') return this.respond({ ...frame, name: 'noCallbacks' }, {}); // every callback is sent unasked
    if (!handler) {
      this.warnUnanswered(FRAMES[frame.name].id);
      return this.refuse(frame, EzspStatus.ERROR_INVALID_FRAME_ID);
    }
    const params = handler(this, frame.params as never);
    this.respond(frame, params);
  }

  /** A host asked for something this simulated NCP does not do: say which, so the gap is plain. */
  private warnUnanswered(frameId: number | undefined): void {
    const id = frameId === undefined ? 'unknown' : `0x${frameId.toString(16).padStart(4, '0')}`;
    const name = (frameId === undefined ? undefined : (frameNameById(frameId) ?? EZSP_FRAME_NAMES.get(frameId))) ?? 'unknown';
    this.options.logger.warn({ frameId: id, frame: name }, `simulated NCP does not answer EZSP ${name} (${id}); it replies invalidCommand`);
  }

  /** A real NCP speaks one version: it answers with it, and is usable once the host asked for it. */
  private answerVersion(frame: RequestFrame<'version'>): void {
    const own = this.options.ezspVersion;
    if (frame.params.desiredProtocolVersion === own) this.ram.version = own;
    this.respond(frame, { protocolVersion: own, stackType: 2, stackVersion: 0x7450 });
  }

  private respond(request: RequestFrame, params: object): void {
    const bytes = encodeResponse(request.name, params as never, request.sequence, this.version, { format: request.format });
    void this.toHost(bytes);
  }

  private refuse(request: Buffer | RequestFrame, reason: number): void {
    const sequence = Buffer.isBuffer(request) ? (request[0] ?? 0) : request.sequence;
    const format = Buffer.isBuffer(request) ? 'extended' : request.format;
    void this.toHost(encodeResponse('invalidCommand', { reason }, sequence, this.version, { format }));
  }

  /** Send a callback: after the response when raised while handling a command, else at once. */
  callback<N extends CallbackName>(name: N, params: ResponseParams<N>): void {
    const bytes = encodeResponse(name, params, this.ram.lastSequence, this.version);
    if (this.deferred) this.deferred.push(bytes);
    else void this.toHost(bytes);
  }

  /**
   * Queue one frame for the host, in order, after the configured delay. Resolves true once the
   * host's ASH acknowledged it, false if the link or the NCP reset first.
   */
  toHost(frame: Buffer): Promise<boolean> {
    const epoch = this.epoch;
    const delay = this.options.delayMs();
    // Each frame is held `delay` from when it was made, not from when the one before it left.
    const releaseAt = this.clock.now() + delay;
    const queued = this.sendTail.then(() => {
      const wait = releaseAt - this.clock.now();
      return wait > 0 ? this.clock.sleep(wait) : undefined;
    });
    this.sendTail = queued;
    return queued.then(() => {
      const link = this.link;
      if (epoch !== this.epoch || !link?.connected) return false;
      return link.send(frame).then(
        () => epoch === this.epoch,
        () => false,
      );
    });
  }

  /** Run `work` after `delayMs` of Clock time unless the NCP reboots first. */
  later(work: () => void, delayMs: number): void {
    this.ram.later(work, delayMs);
  }

  /** Run `work` as soon as the current frame is done (the air is fast), unless the NCP reboots first. */
  soon(work: () => void): void {
    const epoch = this.epoch;
    setImmediate(() => {
      if (epoch === this.epoch) work();
    });
  }

  fromDevice(device: SimDevice, message: ApsMessage): Promise<boolean> {
    return fromDevice(this, device, message);
  }

  poll(device: SimDevice): void {
    pollFromDevice(this, device);
  }

  async close(): Promise<void> {
    this.reboot();
    await this.link?.close();
    this.link = undefined;
  }
}
