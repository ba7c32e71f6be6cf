import { EventEmitter } from 'node:events';
import { SystemClock, type Clock, type Timer } from '../clock.js';
import { silentLogger, type Logger } from '../log.js';
import type { Transport, TransportError } from '../transport/transport.js';
import { describeResetCode, ResetCode } from './codes.js';
import { MIN_DATA_LENGTH } from './constants.js';
import { HostReset, type ResetSide } from './host-reset.js';
import { AshDecoder, type AshBadFrame } from './decoder.js';
import { AshEncoder } from './encoder.js';
import { LinkWriter } from './link-writer.js';
import { Control, type AshFrame } from './frame.js';
import { AshError, type AshLink, type AshLinkEvents } from './link.js';
import { ReceiveWindow } from './receive-window.js';
import { TransmitWindow } from './transmit-window.js';
import {
  newCounters,
  resolveSettings,
  type AshEndpointOptions,
  type AshLinkCounters,
  type AshRole,
  type EndpointSettings,
} from './endpoint-options.js';

export type { AshEndpointOptions, AshLinkCounters, AshRole } from './endpoint-options.js';

type State = 'idle' | 'resetting' | 'connected' | 'failed' | 'closed';

interface PendingConnect {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: AshError) => void;
}

/**
 * One end of an ASH link (UG101 §5): frames numbered modulo 8, a transmit window, piggy-backed and
 * explicit ACKs, the Reject condition and its NAKs (RejectCondition), go-back-N retransmission with
 * the reTx flag on ACK timeout or NAK, and duplicate suppression. Each EZSP frame is handed up once,
 * in order.
 *
 * The endpoint owns its transport: `connect()` opens it if needed and `close()` closes it. Received
 * DATA frames are acknowledged once the read that carried them has been taken in, whatever chunks
 * the transport cut it into (piggy-backed on any DATA frame going out then, explicit otherwise),
 * rather than after T_TX_ACK_DELAY.
 */
export class AshEndpoint extends EventEmitter<AshLinkEvents> implements AshLink {
  readonly role: AshRole;
  readonly counters: AshLinkCounters = newCounters();
  readonly decoder: AshDecoder;

  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly settings: EndpointSettings;
  private readonly transmit: TransmitWindow;
  private readonly writer: LinkWriter;

  private state: State = 'idle';
  private pendingConnect: PendingConnect | undefined;
  private readonly hostReset: HostReset;
  private failedCode = 0;

  private readonly receive: ReceiveWindow;
  private partialTimer: Timer | undefined;

  constructor(options: AshEndpointOptions) {
    super();
    this.role = options.role;
    this.transport = options.transport;
    this.clock = options.clock ?? new SystemClock();
    this.log = (options.logger ?? silentLogger).child({ component: 'ash', role: options.role });
    this.settings = resolveSettings(options);
    const { window, maxDataLength } = this.settings;
    this.decoder = new AshDecoder(maxDataLength);
    this.receive = new ReceiveWindow(this.clock, this.counters, (data) => this.handUp(data));
    this.writer = new LinkWriter(this.transport, new AshEncoder(maxDataLength), this.settings, this.counters, this.receive, () => this.transmit, {
      connected: () => this.state === 'connected',
      writeFailed: (cause) => {
        if (this.state === 'closed') return;
        this.teardown(new AshError('ASH_TRANSPORT_CLOSED', 'write failed', { where: this.transport.description, cause }));
      },
    });
    this.transmit = new TransmitWindow(
      this.clock,
      { initMs: this.settings.ackTimeInitMs, minMs: this.settings.ackTimeMinMs, maxMs: this.settings.ackTimeMaxMs },
      window,
      this.settings.ackTimeouts,
      this.counters,
      {
        retransmit: () => this.writer.flush(),
        exhausted: (timeouts) => this.onAckTimeoutsExhausted(timeouts),
        room: () => this.writer.scheduleFlush(),
      },
    );
    this.hostReset = new HostReset(this.resetSide(), this.clock, this.settings, this.log);
    this.decoder.on('frame', (frame) => this.onFrame(frame));
    this.decoder.on('bad', (bad) => this.onBadFrame(bad));
    this.transport.on('data', this.onData);
    this.transport.on('close', this.onTransportClose);
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** False while the peer has said (nRdy) that it cannot take callback frames. */
  get peerReady(): boolean {
    return this.receive.peerReady;
  }

  /** Whether this end can take DATA frames; when false, every ACK and NAK it sends carries nRdy. */
  setReceiveReady(ready: boolean): void {
    if (this.writer.receiveReady === ready) return;
    this.writer.receiveReady = ready;
    if (this.state === 'connected') {
      this.receive.oweAck();
      this.writer.scheduleFlush();
    }
  }

  async connect(): Promise<void> {
    this.refuseIfClosed();
    if (this.state === 'connected') return;
    if (this.pendingConnect) return this.pendingConnect.promise;
    const pending = this.newPendingConnect();
    if (!this.transport.isOpen) {
      try {
        await this.transport.open();
      } catch (cause) {
        this.pendingConnect = undefined;
        throw new AshError('ASH_TRANSPORT_CLOSED', 'could not open the transport', { where: this.transport.description, cause });
      }
    }
    if ((this.pendingConnect as PendingConnect | undefined) !== pending) return pending.promise; // settled while opening
    this.state = 'resetting';
    if (this.role === 'host') this.hostReset.start();
    return pending.promise;
  }

  /** Host: reset the NCP now (as after a fault), rejecting whatever is pending. Resolves when connected again. */
  async reset(): Promise<void> {
    if (this.role !== 'host') return this.resetAsNcp(ResetCode.SOFTWARE);
    this.teardown(new AshError('ASH_RESET', 'host reset the link', { where: this.transport.description }));
    return this.connect();
  }

  /**
   * NCP: behave as if the chip rebooted for `code` (e.g. POWER_ON, WATCHDOG): drop the link state,
   * reject pending sends, announce it with an unsolicited RSTACK, and be connected again.
   */
  async resetAsNcp(code: number): Promise<void> {
    if (this.role !== 'ncp') throw new AshError('ASH_WRONG_ROLE', 'only an NCP announces its own reset', { where: 'AshEndpoint.resetAsNcp' });
    this.refuseIfClosed();
    this.teardown(new AshError('ASH_RESET', `NCP reset (${describeResetCode(code)})`, { where: this.transport.description }));
    this.acceptReset(code);
  }

  /** NCP: enter the FAILED state with `code`: send ERROR now, and answer every frame but RST with ERROR. */
  fail(code: number): void {
    if (this.role !== 'ncp') throw new AshError('ASH_WRONG_ROLE', 'only an NCP enters the FAILED state', { where: 'AshEndpoint.fail' });
    this.refuseIfClosed();
    this.enterFailed(code, new AshError('ASH_NCP_ERROR', `NCP failed (${describeResetCode(code)})`, { where: this.transport.description }));
  }

  private refuseIfClosed(): void {
    if (this.state === 'closed') throw new AshError('ASH_CLOSED', 'link is closed', { where: this.transport.description });
  }

  private enterFailed(code: number, error: AshError): void {
    this.teardown(error);
    this.state = 'failed';
    this.failedCode = code;
    this.writer.write((encoder, out) => encoder.encodeErrorInto(out, 0, code));
  }

  send(frame: Buffer): Promise<void> {
    const where = this.transport.description;
    if (frame.length > this.settings.maxDataLength) {
      return Promise.reject(new AshError('ASH_FRAME_TOO_LONG', `EZSP frame of ${frame.length} bytes exceeds ${this.settings.maxDataLength}`, { where }));
    }
    if (frame.length < MIN_DATA_LENGTH) {
      return Promise.reject(new AshError('ASH_FRAME_TOO_SHORT', `EZSP frame of ${frame.length} bytes is under ${MIN_DATA_LENGTH}`, { where }));
    }
    if (this.state !== 'connected') {
      return Promise.reject(new AshError('ASH_NOT_CONNECTED', 'link is not connected', { where }));
    }
    return new Promise<void>((resolve, reject) => {
      this.transmit.enqueue({ data: Buffer.from(frame), resolve, reject });
      this.writer.scheduleFlush();
    });
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.teardown(new AshError('ASH_CLOSED', 'link closed', { where: this.transport.description }));
    this.state = 'closed';
    this.transport.off('data', this.onData);
    this.transport.off('close', this.onTransportClose);
    await this.transport.close();
  }

  // ---- receiving -------------------------------------------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    if (this.state === 'closed') return;
    this.decoder.push(chunk);
    this.watchPartialFrame();
    // Answer once for all a read brought, however the transport cut it (a Flag-delimited one hands up
    // each frame alone, in the same turn).
    this.writer.scheduleFlush();
  };

  /**
   * A frame whose closing Flag was lost (dropped, or corrupted into a data byte) waits in the decoder
   * for the sender's next bytes, which come only when its ACK timer fires (0.4 s or more). A line
   * quiet for `partialFrameTimeoutMs` inside a frame means the frame will not end: give it up as bad,
   * which NAKs it. Needs a transport that hands up bytes as read (not one that waits for Flags).
   */
  private watchPartialFrame(): void {
    this.partialTimer?.cancel();
    this.partialTimer = undefined;
    if (this.decoder.partialLength === 0 || this.state !== 'connected') return;
    this.partialTimer = this.clock.setTimeout(() => {
      this.partialTimer = undefined;
      if (this.state !== 'connected') return;
      this.decoder.abandonPartial();
      this.writer.flush();
    }, this.settings.partialFrameTimeoutMs);
  }

  private readonly onTransportClose = (error?: TransportError): void => {
    if (this.state === 'closed') return;
    const failure = new AshError('ASH_TRANSPORT_CLOSED', 'transport closed', { where: this.transport.description, cause: error });
    this.teardown(failure);
  };

  private onFrame(frame: AshFrame): void {
    switch (frame.kind) {
      case 'RST':
        if (this.role === 'ncp') this.onResetRequest();
        return;
      case 'RSTACK':
        if (this.role === 'host') this.hostReset.onResetAck(frame.version, frame.resetCode);
        return;
      case 'ERROR':
        if (this.role === 'host') this.hostReset.onNcpError(frame.errorCode);
        return;
      default:
        break;
    }
    if (this.state === 'failed') {
      this.writer.write((encoder, out) => encoder.encodeErrorInto(out, 0, this.failedCode));
      return;
    }
    if (this.state !== 'connected') return;
    if (!this.transmit.acknowledge(frame.ackNum)) {
      if (frame.kind === 'DATA') this.receive.refused(frame.frmNum);
      return;
    }
    if (frame.kind === 'DATA') this.receive.onDataFrame(frame.frmNum, frame.reTx, frame.data);
    else {
      this.receive.notePeerReadiness(frame.notReady);
      if (frame.kind === 'NAK') {
        this.counters.naksReceived++;
        this.receive.peerNaked();
        this.transmit.startRetransmission();
        this.writer.scheduleFlush();
      }
    }
  }

  /** Let the layer above refuse a frame it cannot take yet: it is NAKed and comes again. */
  vetFrames(accept: (frame: Buffer) => boolean): void {
    this.receive.vetFrames(accept);
  }

  private onBadFrame(bad: AshBadFrame): void {
    this.counters.badFrames++;
    this.log.debug({ reason: bad.reason, length: bad.length }, 'ASH frame dropped');
    if (this.state === 'resetting' && this.role === 'host' && bad.control === Control.RSTACK) {
      this.hostReset.send(); // our RSTACK came damaged: ask again now rather than after resetTimeoutMs
      return;
    }
    if (this.state !== 'connected' || bad.reason === 'CANCELLED') return;
    this.receive.damaged(bad.control);
  }

  private handUp(data: Buffer): void {
    try {
      this.emit('frame', data);
    } catch (error) {
      // A listener's fault must not leave the link half-updated; let it surface on its own.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  // ---- reset handshake -------------------------------------------------------------------------

  private onResetRequest(): void {
    if (this.state === 'closed') return;
    if (this.state === 'connected') {
      this.teardown(new AshError('ASH_RESET', 'host reset the NCP', { where: this.transport.description }));
    }
    this.acceptReset(this.settings.resetCode);
  }

  private acceptReset(code: number): void {
    this.clearLinkState();
    this.state = 'connected';
    this.writer.write((encoder, out) => encoder.encodeRstAckInto(out, 0, code));
    this.markConnected();
  }

  private resetSide(): ResetSide {
    return {
      where: this.transport.description,
      resetting: () => this.state === 'resetting',
      connected: () => this.state === 'connected',
      sendRst: () => {
        this.decoder.clear();
        this.writer.write((encoder, out) => encoder.encodeRstInto(out, 0, true));
      },
      up: () => {
        this.clearLinkState();
        this.state = 'connected';
        this.markConnected();
      },
      giveUp: (error) => {
        if (this.state === 'resetting') this.state = 'idle';
        this.settleConnect(error);
      },
      lose: (error) => this.teardown(error),
    };
  }

  private markConnected(): void {
    this.hostReset.cancel();
    this.log.info('ASH connected');
    this.settleConnect();
    this.emit('connected');
  }

  private newPendingConnect(): PendingConnect {
    let resolve!: () => void;
    let reject!: (error: AshError) => void;
    const promise = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.pendingConnect = { promise, resolve, reject };
    return this.pendingConnect;
  }

  private settleConnect(error?: AshError): void {
    const pending = this.pendingConnect;
    this.pendingConnect = undefined;
    if (!pending) return;
    if (error) {
      if (this.state === 'resetting') this.state = 'idle';
      pending.reject(error);
    } else pending.resolve();
  }

  // ---- sending ---------------------------------------------------------------------------------

  private onAckTimeoutsExhausted(timeouts: number): void {
    const error = new AshError('ASH_TIMEOUT', `no ACK after ${timeouts} timeouts`, { where: this.transport.description });
    if (this.role === 'ncp') this.enterFailed(ResetCode.EXCEEDED_MAXIMUM_ACK_TIMEOUT_COUNT, error);
    else this.teardown(error);
  }

  // ---- teardown --------------------------------------------------------------------------------

  private clearLinkState(error?: AshError): void {
    this.transmit.clear(error);
    this.receive.clear();
    this.partialTimer?.cancel();
    this.partialTimer = undefined;
  }

  /** Leave the connected state: reject everything pending with `error` and say so once. */
  private teardown(error: AshError): void {
    const wasConnected = this.state === 'connected';
    this.hostReset.cancel();
    if (this.state !== 'closed') this.state = 'idle';
    this.clearLinkState(error);
    this.decoder.clear();
    this.settleConnect(error);
    if (wasConnected) {
      // Our own close (a stop), or a host leaving the simulated NCP, is routine; a line lost under a running host is not.
      if (error.code === 'ASH_CLOSED') this.log.debug({ code: error.code }, 'ASH disconnected');
      else if (this.role === 'ncp') this.log.info({ code: error.code }, 'ASH disconnected');
      else this.log.warn({ code: error.code }, 'ASH disconnected');
      this.emit('disconnected', error);
    }
  }
}
