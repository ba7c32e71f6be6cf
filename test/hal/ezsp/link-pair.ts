import { EventEmitter } from 'node:events';
import { AshError, type AshLink, type AshLinkEvents } from '../../../hal/ash/link.js';
import { decodeFrame, encodeResponse, zeroParams, type RequestFrame, type ResponseParams } from '../../../hal/ezsp/codec.js';
import type { FrameName } from '../../../hal/ezsp/frames.js';

/**
 * Two AshLinks joined back to back at the frame level: what one sends, the other receives (on a
 * later turn, in order). `ncpReset()` behaves as an NCP reboot seen from the host: pending sends
 * fail, the host side reports `disconnected`, and it must `connect()` again.
 */
export class FrameLink extends EventEmitter<AshLinkEvents> implements AshLink {
  peer!: FrameLink;
  private up = false;
  /** While false the far end does not answer RST (an NCP that is off). */
  answering = true;
  sent: Buffer[] = [];

  constructor(readonly role: 'host' | 'ncp') {
    super();
  }

  get connected(): boolean {
    return this.up;
  }

  async connect(): Promise<void> {
    if (this.up) return;
    if (!this.peer.answering) throw new AshError('ASH_TIMEOUT', 'no RSTACK', { where: 'frame link' });
    await new Promise((resolve) => setImmediate(resolve));
    this.up = true;
    this.peer.up = true;
    this.emit('connected');
    this.peer.emit('connected');
  }

  async send(frame: Buffer): Promise<void> {
    if (!this.up) throw new AshError('ASH_NOT_CONNECTED', 'link is not connected', { where: 'frame link' });
    this.sent.push(Buffer.from(frame));
    const peer = this.peer;
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.up) throw new AshError('ASH_RESET', 'link reset before the ACK', { where: 'frame link' });
    peer.emit('frame', Buffer.from(frame));
  }

  async close(): Promise<void> {
    this.up = false;
  }

  /** The NCP rebooted: both ends drop; the host hears `disconnected`. */
  ncpReset(): void {
    const host = this.role === 'host' ? this : this.peer;
    host.up = false;
    host.peer.up = false;
    host.emit('disconnected', new AshError('ASH_RESET', 'NCP reset', { where: 'frame link' }));
  }
}

export function frameLinkPair(): [host: FrameLink, ncp: FrameLink] {
  const host = new FrameLink('host');
  const ncp = new FrameLink('ncp');
  host.peer = ncp;
  ncp.peer = host;
  return [host, ncp];
}

/** Return one of these from a handler to answer with invalidCommand. */
export class InvalidCommand {
  constructor(readonly reason: number) {}
}

type Handler = (frame: RequestFrame) => object | undefined | Promise<object | undefined>;

/**
 * A tiny scripted NCP for host tests: answers each request with what its handler returns (no
 * answer when the handler returns undefined), and can push callbacks.
 */
export class ScriptedNcp {
  version: number;
  readonly requests: RequestFrame[] = [];
  private readonly handlers = new Map<FrameName, Handler>();
  private callbackSequence = 0;

  constructor(
    readonly link: FrameLink,
    version: number,
  ) {
    this.version = version;
    this.on('version', () => ({ protocolVersion: this.version, stackType: 2, stackVersion: 0x7430 }));
    link.on('frame', (bytes) => void this.handle(bytes));
  }

  on(name: FrameName, handler: Handler): this {
    this.handlers.set(name, handler);
    return this;
  }

  private async handle(bytes: Buffer): Promise<void> {
    const frame = decodeFrame(bytes, this.version);
    if (frame.direction !== 'request') return;
    this.requests.push(frame);
    const handler = this.handlers.get(frame.name);
    const answer = handler ? await handler(frame) : zeroParams(frame.name, 'response');
    if (answer === undefined || !this.link.connected) return;
    const refused = answer instanceof InvalidCommand;
    const reply = refused
      ? encodeResponse('invalidCommand', { reason: answer.reason }, frame.sequence, this.version)
      : encodeResponse(frame.name, answer as never, frame.sequence, this.version, { format: frame.format });
    await this.link.send(reply).catch(() => undefined);
  }

  callback<N extends FrameName>(name: N, params: ResponseParams<N>): Promise<void> {
    return this.link.send(encodeResponse(name, params, this.callbackSequence++ & 0xff, this.version));
  }
}
