import { createRequire } from 'node:module';

/**
 * zigbee-herdsman's own EZSP layer (its `Ezsp` class and `EzspBuffalo`, the installed
 * devDependency) as an independent codec: its command methods encode a request and decode the
 * NCP's response, its callback dispatcher decodes callbacks. Nothing of it reaches a port: the ASH
 * layer under it is replaced by a stub that hands each request to the test and the test's answer
 * back. Its private members are reached through a loose view, being private only to TypeScript.
 */
const require = createRequire(import.meta.url);
const quiet = { debug: () => undefined, info: () => undefined, warning: () => undefined, error: () => undefined };
(require('zigbee-herdsman/dist/utils/logger.js') as { setLogger(l: typeof quiet): void }).setLogger(quiet);
const { Ezsp } = require('zigbee-herdsman/dist/adapter/ember/ezsp/ezsp.js') as { Ezsp: new (options: { path: string }) => unknown };
const { EzspBuffalo } = require('zigbee-herdsman/dist/adapter/ember/ezsp/buffalo.js') as {
  EzspBuffalo: new (buffer: Buffer, position?: number) => { readStatus(version: number, mapFromEmber?: boolean): number };
};

const SUCCESS = 0;

interface Buffalo {
  getPosition(): number;
}

interface Waiter {
  timer: NodeJS.Timeout;
  resolve(status: number): void;
}

/** The parts of herdsman's Ezsp this oracle drives. */
export interface HerdsmanEzspInternals {
  ash: unknown;
  version: number;
  initialVersionSent: boolean;
  frameContents: Buffer;
  frameLength: number;
  buffalo: Buffalo;
  callbackFrameContents: Buffer;
  callbackFrameLength: number;
  callbackBuffalo: Buffalo;
  responseWaiter: Waiter | undefined;
  setProtocolVersion(version: number): void;
  validateReceivedFrame(buffalo: Buffalo): number;
  callbackDispatch(): void;
  [method: string]: unknown;
}

export interface CommandExchange {
  /** The request as herdsman encoded it. */
  request: Buffer;
  /** What herdsman's method returned (or threw). */
  result: unknown;
  error: unknown;
  /** Bytes of the response herdsman's method did not read. */
  unread: number;
}

/** How herdsman reports a `status` it read from an EZSP 13 frame (it maps EmberStatus to sl_status_t). */
export function herdsmanStatus(value: number, version: number, mapFromEmber: boolean): number {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value >>> 0);
  return new EzspBuffalo(bytes, 0).readStatus(version, mapFromEmber);
}

export class HerdsmanEzsp {
  readonly ezsp: HerdsmanEzspInternals;
  private answer: ((request: Buffer) => Buffer) | undefined;
  private request: Buffer | undefined;

  constructor(version: number) {
    this.ezsp = new Ezsp({ path: '/dev/null' }) as HerdsmanEzspInternals;
    this.ezsp.ash = {
      connected: true,
      responseTimeout: 2000,
      ncpHasCallbacks: false,
      send: (length: number, data: Buffer) => this.onSend(length, data),
    };
    this.ezsp.setProtocolVersion(version);
    this.ezsp.initialVersionSent = true;
  }

  private onSend(length: number, data: Buffer): number {
    const request = Buffer.from(data.subarray(0, length));
    this.request = request;
    const answer = this.answer;
    setImmediate(() => {
      if (!answer) return;
      const response = answer(request);
      const ezsp = this.ezsp;
      response.copy(ezsp.frameContents);
      ezsp.frameLength = response.length;
      const status = ezsp.validateReceivedFrame(ezsp.buffalo);
      const waiter = ezsp.responseWaiter;
      ezsp.responseWaiter = undefined;
      if (waiter) {
        clearTimeout(waiter.timer);
        waiter.resolve(status);
      }
    });
    return SUCCESS;
  }

  /** Call herdsman's command method `method`; `answer` makes the NCP's response from the request bytes. */
  async command(method: string, args: unknown[], answer: (request: Buffer) => Buffer): Promise<CommandExchange> {
    const call = this.ezsp[method] as ((...a: unknown[]) => Promise<unknown>) | undefined;
    if (typeof call !== 'function') throw new Error(`herdsman's Ezsp has no ${method}`);
    this.answer = answer;
    this.request = undefined;
    let result: unknown;
    let error: unknown;
    try {
      result = await call.apply(this.ezsp, args);
    } catch (thrown) {
      error = thrown;
    }
    if (!this.request) throw new Error(`herdsman's ${method} sent nothing`);
    return { request: this.request, result, error, unread: this.ezsp.frameLength - this.ezsp.buffalo.getPosition() };
  }

  /** Hand herdsman a callback frame; returns the arguments its handler `handler` was called with. */
  callback(handler: string, frame: Buffer): { args: unknown[] | undefined; unread: number } {
    const ezsp = this.ezsp;
    let args: unknown[] | undefined;
    ezsp[handler] = (...got: unknown[]) => {
      args = got;
    };
    frame.copy(ezsp.callbackFrameContents);
    ezsp.callbackFrameLength = frame.length;
    if (ezsp.validateReceivedFrame(ezsp.callbackBuffalo) === SUCCESS) ezsp.callbackDispatch();
    delete ezsp[handler];
    return { args, unread: frame.length - ezsp.callbackBuffalo.getPosition() };
  }
}
