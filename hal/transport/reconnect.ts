import { EventEmitter } from 'node:events';
import type { Clock, Timer } from '../clock.js';
import { silentLogger, type Logger } from '../log.js';
import { TransportError, type Transport, type TransportEvents } from './transport.js';

export interface BackoffOptions {
  /** Wait before the first attempt. Default 250 ms. */
  initialDelayMs?: number;
  /** No wait is ever longer than this, jitter included. Default 30 s. */
  maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Spread as a fraction of the delay (0.2 = ±20%), so hubs that lost the same coordinator do not retry in step. Default 0.2. */
  jitter?: number;
}

export interface ReconnectOptions extends BackoffOptions {
  clock: Clock;
  /** Give up after this many failed attempts in a row (then `close` fires with the last error). Default: never. */
  maxAttempts?: number;
  /** A number in [0, 1); Math.random by default. */
  random?: () => number;
  log?: Logger;
}

/** The wait before attempt `attempt` (1-based), given a random draw in [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions, draw: number): number {
  const initial = options.initialDelayMs ?? 250;
  const cap = options.maxDelayMs ?? 30_000;
  const factor = options.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.2));
  const base = Math.min(cap, initial * factor ** Math.max(0, attempt - 1));
  const spread = base * jitter * (2 * Math.min(Math.max(draw, 0), 1) - 1);
  return Math.round(Math.min(cap, Math.max(0, base + spread)));
}

export type ReconnectState = 'idle' | 'connected' | 'reconnecting' | 'closed';

/**
 * A Transport that survives its line dropping: when the current connection closes with an error,
 * it asks `connect` for a new one with exponential backoff and jitter, and says so with the
 * `disconnected` / `reconnecting` / `reconnected` events of TransportEvents.
 * `close` fires only when the wrapper is closed on purpose or gives up. The first `open` does not
 * retry: a wrong path or address should be reported at once, not hidden behind retries.
 */
export class ReconnectingTransport extends EventEmitter<TransportEvents> implements Transport {
  private current: Transport | undefined;
  private timer: Timer | undefined;
  private state_: ReconnectState = 'idle';
  private attempt = 0;
  private lastDescription: string;
  private readonly log: Logger;

  constructor(
    private readonly connect: () => Promise<Transport>,
    private readonly options: ReconnectOptions,
    description = 'reconnecting transport',
  ) {
    super();
    this.lastDescription = description;
    this.log = options.log ?? silentLogger;
  }

  get description(): string {
    return this.current?.description ?? this.lastDescription;
  }

  get state(): ReconnectState {
    return this.state_;
  }

  get isOpen(): boolean {
    return this.state_ === 'connected' && (this.current?.isOpen ?? false);
  }

  async open(): Promise<void> {
    if (this.state_ === 'connected' || this.state_ === 'reconnecting') return;
    const transport = await this.connect();
    this.adopt(transport);
  }

  private adopt(transport: Transport): void {
    this.current = transport;
    this.lastDescription = transport.description;
    this.state_ = 'connected';
    transport.on('data', (chunk) => this.emit('data', chunk));
    transport.once('close', (error) => {
      transport.removeAllListeners('data');
      if (this.current !== transport || this.state_ !== 'connected') return;
      this.current = undefined;
      if (!error) {
        // Closed without a fault (e.g. the peer shut down cleanly): still a lost line for us.
        error = new TransportError('DISCONNECTED', 'the line closed', { where: transport.description });
      }
      this.log.warn({ transport: transport.description, code: error.code }, 'radio line lost; reconnecting');
      this.state_ = 'reconnecting';
      this.attempt = 0;
      this.emit('disconnected', error);
      this.schedule(error);
    });
  }

  private schedule(lastError: TransportError): void {
    if (this.state_ !== 'reconnecting') return;
    const max = this.options.maxAttempts ?? Number.POSITIVE_INFINITY;
    if (this.attempt >= max) {
      this.state_ = 'closed';
      this.emit(
        'close',
        new TransportError('DISCONNECTED', `gave up after ${this.attempt} reconnection attempts: ${lastError.message}`, {
          where: this.lastDescription,
          cause: lastError,
        }),
      );
      return;
    }
    this.attempt += 1;
    const attempt = this.attempt;
    const delay = backoffDelay(attempt, this.options, (this.options.random ?? Math.random)());
    this.emit('reconnecting', attempt, delay);
    this.timer = this.options.clock.setTimeout(() => void this.tryAgain(attempt), delay);
  }

  private async tryAgain(attempt: number): Promise<void> {
    this.timer = undefined;
    let transport: Transport;
    try {
      transport = await this.connect();
    } catch (error) {
      const failure =
        error instanceof TransportError
          ? error
          : new TransportError('IO_ERROR', `reconnection failed: ${String(error)}`, { where: this.lastDescription, cause: error });
      this.log.debug({ attempt, code: failure.code }, 'reconnection attempt failed');
      this.schedule(failure);
      return;
    }
    if (this.state_ !== 'reconnecting') {
      // Closed while the attempt was in flight.
      await transport.close();
      return;
    }
    this.adopt(transport);
    this.log.info({ transport: transport.description, attempts: attempt }, 'radio line back');
    this.emit('reconnected', attempt);
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.state_ === 'reconnecting') {
      throw new TransportError('DISCONNECTED', 'the line is down and being reconnected', { where: this.description });
    }
    if (this.state_ !== 'connected' || !this.current) {
      throw new TransportError('NOT_OPEN', 'write on a transport that is not open', { where: this.description });
    }
    await this.current.write(bytes);
  }

  async close(): Promise<void> {
    if (this.state_ === 'closed' || this.state_ === 'idle') return;
    this.state_ = 'closed';
    this.timer?.cancel();
    this.timer = undefined;
    const transport = this.current;
    this.current = undefined;
    if (transport) {
      transport.removeAllListeners('data');
      await transport.close();
    }
    this.emit('close');
  }
}
