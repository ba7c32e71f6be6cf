import { EventEmitter } from 'node:events';
import { TransportError, type Transport, type TransportEvents } from './transport.js';

/**
 * Two Transports wired back to back in one process: what one writes, the other reads, delivered
 * asynchronously (as a real port would) and in order. For tests and for running the simulator
 * in-process.
 */
export class MemoryTransport extends EventEmitter<TransportEvents> implements Transport {
  peer: MemoryTransport | undefined;
  private open_ = false;

  constructor(readonly description: string) {
    super();
  }

  get isOpen(): boolean {
    return this.open_;
  }

  async open(): Promise<void> {
    this.open_ = true;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.open_) throw new TransportError('NOT_OPEN', 'write on a closed transport', { where: this.description });
    const peer = this.peer;
    if (!peer?.open_) return; // nobody listening: bytes vanish, as on an unplugged line
    const copy = Buffer.from(bytes);
    setImmediate(() => {
      if (peer.open_) peer.emit('data', copy);
    });
  }

  async close(): Promise<void> {
    if (!this.open_) return;
    this.open_ = false;
    this.emit('close');
  }
}

export function memoryTransportPair(name = 'memory'): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport(`${name}:a`);
  const b = new MemoryTransport(`${name}:b`);
  a.peer = b;
  b.peer = a;
  return [a, b];
}
