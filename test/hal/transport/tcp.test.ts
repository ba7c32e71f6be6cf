import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { TcpTransportServer } from '../../../hal/transport/tcp-server.js';
import { TcpTransport } from '../../../hal/transport/tcp.js';
import { TransportError, type Transport } from '../../../hal/transport/transport.js';

import { useSilentPort } from '../../helpers/silent-listener.js';
import { freeTcpPort } from '../../helpers/ports.js';

async function useServer(whenBusy?: 'replace' | 'reject'): Promise<TcpTransportServer> {
  const server = new TcpTransportServer({ port: 0, whenBusy });
  onTestFinished(() => server.close());
  await server.listen();
  return server;
}

function client(port: number, clock?: ManualClock): TcpTransport {
  const transport = TcpTransport.client({ host: '127.0.0.1', port, clock, connectTimeoutMs: 2000 });
  onTestFinished(() => transport.close());
  return transport;
}

/** Concatenate what arrives until `length` bytes have come. */
function receive(transport: Transport, length: number): Promise<Buffer> {
  let got = Buffer.alloc(0);
  return new Promise((resolve) => {
    transport.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= length) resolve(got);
    });
  });
}

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

describe('TCP transport over 127.0.0.1', () => {
  it('listens on a free port, reports it, and carries bytes both ways', async () => {
    const server = await useServer();
    const bound = server.address!;
    expect(bound.port).toBeGreaterThan(0);
    expect(bound.url).toBe(`tcp://127.0.0.1:${bound.port}`);

    const host = client(bound.port);
    const accepted = once(server, 'connection') as Promise<[Transport]>;
    await host.open();
    const [ncp] = await accepted;
    expect(ncp.isOpen).toBe(true);
    expect(host.description).toBe(bound.url);

    const atNcp = receive(ncp, 5);
    await host.write(Buffer.from('1ac038bc7e', 'hex'));
    expect((await atNcp).toString('hex')).toBe('1ac038bc7e');
    const atHost = receive(host, 3);
    await ncp.write(Buffer.from([1, 2, 3]));
    expect((await atHost).toString('hex')).toBe('010203');
  });

  it('turns a second client away when told to, and accepts the next once the first leaves', async () => {
    const server = await useServer('reject');
    const port = server.address!.port;
    const first = client(port);
    const firstAccepted = once(server, 'connection');
    await first.open();
    await firstAccepted;

    const second = client(port);
    const rejected = once(server, 'rejected');
    const secondClosed = once(second, 'close');
    await second.open(); // the handshake completes in the kernel before the server turns it away
    await rejected;
    const [why] = (await secondClosed) as [TransportError];
    expect(why.code).toBe('DISCONNECTED');

    await first.close();
    const third = client(port);
    const accepted = once(server, 'connection');
    await third.open();
    await accepted;
    expect(server.client?.isOpen).toBe(true);
  });

  it('reports CONNECTION_REFUSED when nothing listens', async () => {
    const port = await freeTcpPort();
    const error = await failure(client(port).open());
    expect(error.code).toBe('CONNECTION_REFUSED');
    expect(error.where).toBe(`tcp://127.0.0.1:${port}`);
  });

  it('gives up with TIMEOUT when the handshake never completes', async () => {
    const port = await useSilentPort();
    const clock = new ManualClock();
    const transport = client(port, clock);
    const opening = failure(transport.open());
    await clock.advance(1999);
    expect(transport.isOpen).toBe(false);
    await clock.advance(1);
    const error = await opening;
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('2000 ms');
    expect(transport.isOpen).toBe(false);
  });

  it('by default lets a new client take over the line from the attached one', async () => {
    const server = await useServer();
    const port = server.address!.port;
    const first = client(port);
    const firstAccepted = once(server, 'connection') as Promise<[Transport]>;
    await first.open();
    const [firstNcp] = await firstAccepted;
    const firstClosed = once(first, 'close');
    const replaced = once(server, 'replaced');
    const second = client(port);
    const secondAccepted = once(server, 'connection') as Promise<[Transport]>;
    await second.open();
    const [secondNcp] = await secondAccepted;
    await replaced;
    const [why] = (await firstClosed) as [TransportError];
    expect(why.code).toBe('DISCONNECTED');
    expect(firstNcp.isOpen).toBe(false);
    expect(server.client).toBe(secondNcp);
    const got = receive(secondNcp, 1);
    await second.write(Buffer.from([0x7e]));
    expect((await got).toString('hex')).toBe('7e');
  });

  it('closes the client with DISCONNECTED when the server goes away', async () => {
    const server = await useServer();
    const host = client(server.address!.port);
    const accepted = once(server, 'connection');
    await host.open();
    await accepted;
    const closed = once(host, 'close');
    await server.close();
    const [error] = (await closed) as [TransportError];
    expect(error.code).toBe('DISCONNECTED');
    expect(host.isOpen).toBe(false);
    expect((await failure(host.write(Buffer.from([1])))).code).toBe('NOT_OPEN');
  });

  it('closes the server side with DISCONNECTED when the client leaves, and plainly when closed on purpose', async () => {
    const server = await useServer();
    const host = client(server.address!.port);
    const accepted = once(server, 'connection') as Promise<[Transport]>;
    await host.open();
    const [ncp] = await accepted;
    const ncpClosed = once(ncp, 'close');
    const hostClosed = once(host, 'close');
    await host.close();
    expect(await hostClosed).toEqual([]);
    const [error] = (await ncpClosed) as [TransportError];
    expect(error.code).toBe('DISCONNECTED');
    expect((await failure(ncp.open())).code).toBe('NOT_OPEN');
  });

  it('reports a port already in use as PORT_BUSY', async () => {
    const server = await useServer();
    const error = await failure(new TcpTransportServer({ port: server.address!.port }).listen());
    expect(error.where).toBe(`tcp://127.0.0.1:${server.address!.port}`);
    expect(error.code).toBe('PORT_BUSY');
  });
});
