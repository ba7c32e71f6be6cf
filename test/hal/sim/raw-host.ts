import { SystemClock } from '../../../hal/clock.js';
import { AshEndpoint } from '../../../hal/ash/index.js';
import {
  decodeFrame,
  encodeRequest,
  type CallbackName,
  type CommandName,
  type RequestParams,
  type ResponseFrame,
  type ResponseParams,
} from '../../../hal/ezsp/index.js';
import type { Transport } from '../../../hal/transport/transport.js';

/**
 * The host end for simulator tests: a real ASH host link, and EZSP frames built and read with the
 * shared codec, one command at a time, with every callback kept in arrival order.
 */
export class RawHost {
  readonly link: AshEndpoint;
  readonly callbacks: ResponseFrame[] = [];
  version = 13;
  private sequence = 0;
  private waiting: { sequence: number; resolve: (frame: ResponseFrame) => void } | undefined;
  private readonly callbackWaiters: Array<() => void> = [];

  constructor(transport: Transport) {
    this.link = new AshEndpoint({ role: 'host', transport, clock: new SystemClock(), ackTimeInitMs: 400, ackTimeMinMs: 100 });
    this.link.on('frame', (bytes) => this.onFrame(bytes));
  }

  private onFrame(bytes: Buffer): void {
    const frame = decodeFrame(bytes, this.version) as ResponseFrame;
    if (frame.callbackType !== 'none') {
      this.callbacks.push(frame);
      for (const wake of this.callbackWaiters.splice(0)) wake();
      return;
    }
    if (this.waiting && frame.sequence === this.waiting.sequence) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve(frame);
    }
  }

  connect(): Promise<void> {
    return this.link.connect();
  }

  /** Send raw EZSP bytes and wait for the answer with their sequence number. */
  async raw(bytes: Buffer): Promise<ResponseFrame> {
    const answered = new Promise<ResponseFrame>((resolve) => (this.waiting = { sequence: bytes[0]!, resolve }));
    await this.link.send(bytes);
    return answered;
  }

  async command<N extends CommandName>(name: N, params: RequestParams<N>, format: 'legacy' | 'extended' = 'extended'): Promise<ResponseFrame> {
    const sequence = this.sequence;
    this.sequence = (this.sequence + 1) & 0xff;
    return this.raw(encodeRequest(name, params, sequence, this.version, format));
  }

  /** Send a command and return its response's parameters, failing if the NCP answered with another frame. */
  async call<N extends CommandName>(name: N, params: RequestParams<N>): Promise<ResponseParams<N>> {
    const frame = await this.command(name, params);
    if (frame.name !== name) throw new Error(`${name} was answered with ${frame.name} ${JSON.stringify(frame.params)}`);
    return frame.params as ResponseParams<N>;
  }

  /** Version negotiation as a host does it: legacy first frame, then the extended one. */
  async negotiate(version = 13): Promise<void> {
    const legacy = await this.command('version', { desiredProtocolVersion: version }, 'legacy');
    if (legacy.name !== 'version') throw new Error(`version answered with ${legacy.name}`);
    this.version = version;
    await this.call('version', { desiredProtocolVersion: version });
  }

  /**
   * Callbacks named `name` received so far. Incoming ZDO (the Device_annce each Device broadcasts
   * when it joins) is left out unless `zdo` is set, so tests count the Devices' own messages.
   */
  received<N extends CallbackName>(name: N, zdo = false): ResponseParams<N>[] {
    return this.callbacks
      .filter((f) => f.name === name && (zdo || !isZdoMessage(f)))
      .map((f) => f.params as ResponseParams<N>);
  }

  /** Wait until `count` callbacks named `name` have arrived (in total; ZDO messages left out as in `received`). */
  async waitFor<N extends CallbackName>(name: N, count = 1, timeoutMs = 5000): Promise<ResponseParams<N>[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received(name);
      if (found.length >= count) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`waited ${timeoutMs} ms for ${count} ${name}, got ${found.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.callbackWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return this.link.close();
  }
}

function isZdoMessage(frame: ResponseFrame): boolean {
  return frame.name === 'incomingMessageHandler' && (frame.params as ResponseParams<'incomingMessageHandler'>).apsFrame.profileId === 0;
}
