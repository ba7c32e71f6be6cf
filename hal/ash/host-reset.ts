import type { Clock, Timer } from '../clock.js';
import type { Logger } from '../log.js';
import { describeResetCode, ResetCode } from './codes.js';
import { ASH_VERSION } from './constants.js';
import { AshError } from './link.js';

/** What the host's reset handshake does to its endpoint. */
export interface ResetSide {
  readonly where: string;
  /** Whether the link is waiting for the RSTACK that answers our RST. */
  resetting(): boolean;
  connected(): boolean;
  sendRst(): void;
  /** Our RST was answered: the link is up. */
  up(): void;
  /** No RSTACK came (or a wrong one): `connect()` fails with `error`. */
  giveUp(error: AshError): void;
  /** A connected link was reset or failed by the NCP. */
  lose(error: AshError): void;
}

/**
 * The host's half of the ASH reset (UG101 §3): send RST, wait `resetTimeoutMs` for the RSTACK that
 * answers it (cause SOFTWARE), resend up to `resetAttempts` times, and give up naming the NCP's last
 * ERROR. Once connected, an RSTACK or ERROR from the NCP means it reset or failed: the link is lost.
 */
export class HostReset {
  private timer: Timer | undefined;
  private sent = 0;
  private lastNcpError: number | undefined;

  constructor(
    private readonly side: ResetSide,
    private readonly clock: Clock,
    private readonly settings: { resetAttempts: number; resetTimeoutMs: number },
    private readonly log: Logger,
  ) {}

  start(): void {
    this.sent = 0;
    this.lastNcpError = undefined;
    this.send();
  }

  /** Send RST again at once (our RSTACK came damaged), or give up after the last attempt. */
  send(): void {
    this.timer?.cancel();
    if (this.sent >= this.settings.resetAttempts) {
      const detail = this.lastNcpError === undefined ? '' : ` (last ERROR: ${describeResetCode(this.lastNcpError)})`;
      this.side.giveUp(new AshError('ASH_TIMEOUT', `no RSTACK after ${this.sent} RST frames${detail}`, { where: this.side.where }));
      return;
    }
    this.sent++;
    this.side.sendRst();
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      if (this.side.resetting()) this.send();
    }, this.settings.resetTimeoutMs);
  }

  onResetAck(version: number, resetCode: number): void {
    const where = this.side.where;
    if (this.side.connected()) {
      this.side.lose(new AshError('ASH_RESET', `NCP reset unexpectedly (${describeResetCode(resetCode)})`, { where }));
      return;
    }
    if (!this.side.resetting()) return;
    if (version !== ASH_VERSION) {
      this.side.giveUp(new AshError('ASH_VERSION_MISMATCH', `NCP speaks ASH version ${version}, not ${ASH_VERSION}`, { where }));
      return;
    }
    // An RSTACK for any other cause predates our RST (e.g. the power-on one): wait for ours.
    if (resetCode !== ResetCode.SOFTWARE) {
      this.log.debug({ resetCode }, 'ignoring RSTACK that does not answer our RST');
      return;
    }
    this.side.up();
  }

  onNcpError(code: number): void {
    if (this.side.resetting()) {
      this.lastNcpError = code; // an NCP in FAILED answers ERROR until our RST gets through
      return;
    }
    if (!this.side.connected()) return;
    this.side.lose(new AshError('ASH_NCP_ERROR', `NCP reported ${describeResetCode(code)}`, { where: this.side.where }));
  }

  cancel(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
