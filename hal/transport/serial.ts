import { EventEmitter } from 'node:events';
import { DelimiterParser } from '@serialport/parser-delimiter';
import type { SerialPort } from 'serialport';
import { serialError } from './serial-errors.js';
import { TransportError, type Transport, type TransportEvents } from './transport.js';

/** How the two ends pace each other; the words match the hub's configuration file. */
export type FlowControl = 'hardware' | 'software' | 'none';

export const FLOW_CONTROLS: readonly FlowControl[] = ['hardware', 'software', 'none'];

/** The ASH flag byte: every ASH frame ends with it, so it is where a serial line is cut into frames. */
export const ASH_FLAG = 0x7e;

export interface SerialTransportOptions {
  path: string;
  baudRate: number;
  /** `hardware` is RTS/CTS, `software` is XON/XOFF. Default `none`. */
  flowControl?: FlowControl;
  /**
   * `ash` (default) hands up whole frames ending in the flag byte; `raw` hands up whatever was
   * read. Bytes after the last flag wait until the next flag arrives.
   */
  framing?: 'ash' | 'raw';
}

/**
 * A Transport over a serial device (a UART, a USB CDC-ACM or USB-serial dongle, or a pty). The port
 * is locked while open, so a second process cannot interleave bytes with ours.
 */
export class SerialTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly description: string;
  private port: SerialPort | undefined;
  private closing = false;

  constructor(readonly options: SerialTransportOptions) {
    super();
    const flow = options.flowControl ?? 'none';
    this.description = `${options.path} at ${options.baudRate} baud${flow === 'none' ? '' : `, ${flow} flow control`}`;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  async open(): Promise<void> {
    if (this.port) return;
    const { path, baudRate } = this.options;
    const flow = this.options.flowControl ?? 'none';
    // Loaded on first open: a hub on the simulator or a TCP coordinator never pays for serialport's bindings (~15 MB).
    const { SerialPort } = await import('serialport');
    const port = new SerialPort({
      path,
      baudRate,
      rtscts: flow === 'hardware',
      xon: flow === 'software',
      xoff: flow === 'software',
      autoOpen: false,
      lock: true,
    });
    await new Promise<void>((resolve, reject) => {
      port.open((error) => (error ? reject(serialError(error, path)) : resolve()));
    });
    this.port = port;
    this.closing = false;
    this.wire(port);
  }

  private wire(port: SerialPort): void {
    const path = this.options.path;
    if ((this.options.framing ?? 'ash') === 'ash') {
      const parser = port.pipe(new DelimiterParser({ delimiter: [ASH_FLAG], includeDelimiter: true }));
      parser.on('data', (frame: Buffer) => this.emit('data', frame));
    } else {
      port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    }
    let lastError: unknown;
    port.on('error', (error) => {
      lastError = error;
    });
    // serialport may report one loss twice (a plain close, then one carrying `disconnected`).
    let reported = false;
    port.on('close', (error?: unknown) => {
      if (reported) return;
      reported = true;
      this.port = undefined;
      const expected = this.closing;
      this.closing = false;
      if (expected && !error) {
        this.emit('close');
        return;
      }
      const cause = error ?? lastError ?? new Error('the port closed by itself');
      const mapped = serialError(cause, path);
      const lost =
        mapped.code === 'IO_ERROR' || mapped.code === 'DISCONNECTED'
          ? new TransportError('DISCONNECTED', `${path} went away (the radio was unplugged, reset or lost power)`, {
              where: path,
              cause,
            })
          : mapped;
      this.emit('close', lost);
    });
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) {
      throw new TransportError('NOT_OPEN', 'write on a serial port that is not open', { where: this.options.path });
    }
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(bytes), (error) => (error ? reject(serialError(error, this.options.path)) : resolve()));
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    if (!port) return;
    this.closing = true;
    if (!port.isOpen) return;
    await new Promise<void>((resolve) => {
      port.close(() => resolve());
    });
  }
}
