import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

export type Json = Record<string, unknown>;

/** A test's end of the control interface: numbered requests, replies matched by id, events kept in order. */
export class ControlClient {
  readonly events: Json[] = [];
  private nextId = 1;
  private buffer = '';
  private readonly waiting = new Map<number, (reply: Json) => void>();
  private readonly eventWaiters: Array<() => void> = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) >= 0) {
        const message = JSON.parse(this.buffer.slice(0, newline)) as Json;
        this.buffer = this.buffer.slice(newline + 1);
        if (typeof message['event'] === 'string') {
          this.events.push(message);
          for (const wake of this.eventWaiters.splice(0)) wake();
        } else {
          this.waiting.get(message['id'] as number)?.(message);
          this.waiting.delete(message['id'] as number);
        }
      }
    });
  }

  /** Connect; with the simulator's token file, authenticate first (what `hub sim` asks of every client). */
  static async open(port: number, tokenFile?: string): Promise<ControlClient> {
    const client = await new Promise<ControlClient>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new ControlClient(socket)));
      socket.once('error', reject);
    });
    if (tokenFile) {
      const reply = await client.request({ op: 'auth', token: readFileSync(tokenFile, 'utf8').trim() });
      if (reply['ok'] !== true) throw new Error(`the simulator refused the token: ${JSON.stringify(reply)}`);
    }
    return client;
  }

  /** Send one raw line and wait for the reply carrying `id` (rejects if the simulator closes the connection first). */
  line(text: string, id: number): Promise<Json> {
    if (this.socket.destroyed || this.socket.readableEnded) return Promise.reject(new Error('the control connection is closed'));
    const reply = new Promise<Json>((resolve, reject) => {
      const closed = () => reject(new Error('the control connection closed'));
      this.socket.once('close', closed);
      this.waiting.set(id, (message) => {
        this.socket.off('close', closed);
        resolve(message);
      });
    });
    this.socket.write(`${text}\n`);
    return reply;
  }

  request(body: Json): Promise<Json> {
    const id = this.nextId++;
    return this.line(JSON.stringify({ id, ...body }), id);
  }

  async waitEvent(name: string, count = 1, timeoutMs = 5000): Promise<Json[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.filter((e) => e['event'] === name);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`no ${count} ${name} event(s) within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.eventWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
