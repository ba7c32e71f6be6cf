import { once } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { openTransport } from '../../../hal/transport/open.js';
import { backoffDelay, ReconnectingTransport } from '../../../hal/transport/reconnect.js';
import { TcpTransportServer } from '../../../hal/transport/tcp-server.js';
import { TransportError, type Transport } from '../../../hal/transport/transport.js';

/** A TCP "coordinator" that can be taken down and brought back on the same port. */
class Coordinator {
  server: TcpTransportServer;
  port = 0;
  constructor() {
    this.server = new TcpTransportServer({ port: 0 });
  }
  async up(): Promise<string> {
    this.server = new TcpTransportServer({ port: this.port });
    this.port = (await this.server.listen()).port;
    return `tcp://127.0.0.1:${this.port}`;
  }
  down(): Promise<void> {
    return this.server.close();
  }
}

async function setup(options: { maxAttempts?: number } = {}) {
  const clock = new ManualClock();
  const coordinator = new Coordinator();
  const url = await coordinator.up();
  onTestFinished(() => coordinator.down());
  const line = new ReconnectingTransport(() => openTransport(url, { clock }), {
    clock,
    initialDelayMs: 100,
    maxDelayMs: 1000,
    jitter: 0.2,
    random: () => 0.5, // no spread, so the schedule is exact
    ...options,
  });
  onTestFinished(() => line.close());
  const accepted = once(coordinator.server, 'connection') as Promise<[Transport]>;
  await line.open();
  await accepted;
  return { clock, coordinator, line };
}

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, options, 0.5))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads each delay by at most the jitter fraction and never exceeds the cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, draw, initialDelayMs, maxDelayMs, jitter) => {
          const base = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
          const delay = backoffDelay(attempt, { initialDelayMs, maxDelayMs, jitter }, draw);
          expect(delay).toBeLessThanOrEqual(maxDelayMs);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - jitter)));
          expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + jitter)));
        },
      ),
    );
  });
});

describe('ReconnectingTransport over real TCP with a ManualClock', () => {
  it('backs off while the coordinator is away and says when the line is back', async () => {
    const { clock, coordinator, line } = await setup();
    const disconnected = once(line, 'disconnected') as Promise<[TransportError]>;
    let next = once(line, 'reconnecting');
    await coordinator.down();
    const [lost] = await disconnected;
    expect(lost.code).toBe('DISCONNECTED');
    expect(line.state).toBe('reconnecting');
    expect(line.isOpen).toBe(false);
    await expect(line.write(Buffer.from([1]))).rejects.toMatchObject({ code: 'DISCONNECTED' });

    const schedule: unknown[] = [await next];
    for (let i = 0; i < 4; i++) {
      const [, delay] = schedule.at(-1) as [number, number];
      next = once(line, 'reconnecting');
      await clock.advance(delay); // the attempt runs against a closed port: refused
      schedule.push(await next);
    }
    expect(schedule).toEqual([
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
      [5, 1000],
    ]);

    await coordinator.up();
    const accepted = once(coordinator.server, 'connection') as Promise<[Transport]>;
    const reconnected = once(line, 'reconnected');
    await clock.advance(1000);
    expect(await reconnected).toEqual([5]);
    const [ncp] = await accepted;
    expect(line.isOpen).toBe(true);
    expect(line.state).toBe('connected');

    const got = once(ncp, 'data');
    await line.write(Buffer.from('1ac038bc7e', 'hex'));
    expect(((await got)[0] as Buffer).toString('hex')).toBe('1ac038bc7e');
    const back = once(line, 'data');
    await ncp.write(Buffer.from([0xc1]));
    expect(((await back)[0] as Buffer).toString('hex')).toBe('c1');
  });

  it('gives up after maxAttempts and closes with the reason', async () => {
    const { clock, coordinator, line } = await setup({ maxAttempts: 2 });
    const first = once(line, 'reconnecting');
    await coordinator.down();
    await first;
    const second = once(line, 'reconnecting');
    await clock.advance(100);
    await second;
    const closed = once(line, 'close') as Promise<[TransportError]>;
    await clock.advance(200);
    const [error] = await closed;
    expect(error.code).toBe('DISCONNECTED');
    expect(error.message).toContain('gave up after 2');
    expect((error.cause as TransportError).code).toBe('CONNECTION_REFUSED');
    expect(line.state).toBe('closed');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('stops retrying when closed on purpose, and fails fast on a first open that cannot work', async () => {
    const { clock, coordinator, line } = await setup();
    const scheduled = once(line, 'reconnecting');
    await coordinator.down();
    await scheduled;
    const closed = once(line, 'close');
    await line.close();
    expect(await closed).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
    await expect(line.write(Buffer.from([1]))).rejects.toMatchObject({ code: 'NOT_OPEN' });

    const never = new ReconnectingTransport(() => openTransport('/dev/does-not-exist-hub', { clock }), { clock });
    await expect(never.open()).rejects.toMatchObject({ code: 'PORT_NOT_FOUND' });
    expect(never.state).toBe('idle');
  });
});
