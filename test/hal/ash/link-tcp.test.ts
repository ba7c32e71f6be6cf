import { SystemClock } from '../../../hal/clock.js';
import { afterEach, describe, expect, it } from 'vitest';
import { AshEndpoint } from '../../../hal/ash/endpoint.js';
import { TcpTransport } from '../../../hal/transport/tcp.js';
import { TcpTransportServer } from '../../../hal/transport/tcp-server.js';
import { seededRandom } from './helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('AshEndpoint over real TCP on 127.0.0.1', () => {
  it('carries frames both ways exactly once and in order, whatever chunks the sockets deliver', async () => {
    const server = new TcpTransportServer({ port: 0 });
    const bound = await server.listen();
    cleanup.push(() => server.close());
    const ncpGot: Buffer[] = [];
    const ncpReady = new Promise<AshEndpoint>((resolve) => {
      server.on('connection', (transport) => {
        const ncp = new AshEndpoint({ role: 'ncp', transport, clock: new SystemClock() });
        cleanup.push(() => ncp.close());
        ncp.on('frame', (f) => ncpGot.push(f));
        void ncp.connect();
        resolve(ncp);
      });
    });
    const host = new AshEndpoint({ role: 'host', transport: TcpTransport.client({ host: bound.host, port: bound.port, clock: new SystemClock() }), clock: new SystemClock() });
    cleanup.push(() => host.close());
    const hostGot: Buffer[] = [];
    host.on('frame', (f) => hostGot.push(f));
    await host.connect();
    const ncp = await ncpReady;

    const random = seededRandom(3);
    const make = (i: number): Buffer => {
      const frame = Buffer.alloc(3 + Math.floor(random() * 126));
      for (let j = 0; j < frame.length; j++) frame[j] = Math.floor(random() * 256);
      frame.writeUInt16BE(i, 0);
      return frame;
    };
    const toNcp = Array.from({ length: 300 }, (_, i) => make(i));
    const toHost = Array.from({ length: 300 }, (_, i) => make(i));
    await Promise.all([...toNcp.map((f) => host.send(f)), ...toHost.map((f) => ncp.send(f))]);
    expect(ncpGot).toEqual(toNcp);
    expect(hostGot).toEqual(toHost);
    // Real time on a shared machine: a stall may cost a retransmission, but never a duplicate hand-up.
    expect(host.counters.dataReceived).toBe(300);
    expect(ncp.counters.dataReceived).toBe(300);
  });
});
