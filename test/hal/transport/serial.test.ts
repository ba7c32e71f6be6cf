import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SerialTransport } from '../../../hal/transport/serial.js';
import { TransportError } from '../../../hal/transport/transport.js';
import { usePtyPair } from '../../helpers/pty.js';

function serial(path: string, framing: 'ash' | 'raw' = 'ash'): SerialTransport {
  const transport = new SerialTransport({ path, baudRate: 115200, framing });
  onTestFinished(() => transport.close());
  return transport;
}

/** Collect `data` events until `count` have arrived. */
function chunks(transport: SerialTransport, count: number): Promise<Buffer[]> {
  const seen: Buffer[] = [];
  return new Promise((resolve) => {
    transport.on('data', (chunk) => {
      seen.push(chunk);
      if (seen.length === count) resolve(seen);
    });
  });
}

async function openError(transport: SerialTransport): Promise<TransportError> {
  const error: unknown = await transport.open().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

describe('SerialTransport over a pty pair', () => {
  it('carries bytes both ways and cuts the stream into frames after each 0x7E flag', async () => {
    const pair = await usePtyPair();
    const host = serial(pair.a);
    const ncp = serial(pair.b);
    await host.open();
    await ncp.open();
    expect(host.isOpen).toBe(true);

    const atNcp = chunks(ncp, 2);
    // One write holding two frames and the start of a third, then the rest of the third.
    await host.write(Buffer.from([0x1a, 0xc0, 0x38, 0xbc, 0x7e, 0x01, 0x02, 0x7e, 0x03]));
    expect((await atNcp).map((b) => b.toString('hex'))).toEqual(['1ac038bc7e', '01027e']);

    const rest = chunks(ncp, 1);
    await host.write(Buffer.from([0x04, 0x7e]));
    expect((await rest)[0]!.toString('hex')).toBe('03047e');

    const atHost = chunks(host, 1);
    await ncp.write(Buffer.from([0xc1, 0x02, 0x02, 0x9b, 0x7b, 0x7e]));
    expect((await atHost)[0]!.toString('hex')).toBe('c102029b7b7e');
  });

  it('hands up raw chunks when framing is off, flag or not', async () => {
    const pair = await usePtyPair();
    const host = serial(pair.a, 'raw');
    const ncp = serial(pair.b);
    await host.open();
    await ncp.open();
    const atHost = chunks(host, 1);
    await ncp.write(Buffer.from([0xaa, 0xbb]));
    expect((await atHost)[0]!.toString('hex')).toBe('aabb');
  });

  it('refuses to write when not open, and closes cleanly without an error', async () => {
    const pair = await usePtyPair();
    const host = serial(pair.a);
    await expect(host.write(Buffer.from([1]))).rejects.toMatchObject({ code: 'NOT_OPEN' });
    await host.open();
    const closed = once(host, 'close');
    await host.close();
    expect(await closed).toEqual([]);
    expect(host.isOpen).toBe(false);
    await expect(host.write(Buffer.from([1]))).rejects.toMatchObject({ code: 'NOT_OPEN' });
    // A closed transport can be opened again on the same path.
    await host.open();
    expect(host.isOpen).toBe(true);
  });

  it('names a missing port and says where to look', async () => {
    const error = await openError(serial('/dev/does-not-exist-hub-test'));
    expect(error.code).toBe('PORT_NOT_FOUND');
    expect(error.where).toBe('/dev/does-not-exist-hub-test');
    expect(error.message).toContain('/dev/serial/by-id');
  });

  it('reports a port another process holds as busy, and leaves that process undisturbed', async () => {
    const pair = await usePtyPair();
    const owner = serial(pair.a);
    const ncp = serial(pair.b);
    await owner.open();
    await ncp.open();
    const intruder = serial(pair.a);
    const error = await openError(intruder);
    expect(error.code).toBe('PORT_BUSY');
    expect(error.message).toContain('fuser');
    expect(intruder.isOpen).toBe(false);

    const atNcp = chunks(ncp, 1);
    await owner.write(Buffer.from([0x42, 0x7e]));
    expect((await atNcp)[0]!.toString('hex')).toBe('427e');
  });

  it('closes with DISCONNECTED when the device goes away mid-run', async () => {
    const pair = await usePtyPair();
    const host = serial(pair.a);
    const ncp = serial(pair.b);
    await host.open();
    await ncp.open();
    const closed = once(host, 'close');
    await pair.close(); // unplug: socat takes both ends with it
    const [error] = (await closed) as [TransportError | undefined];
    expect(error).toBeInstanceOf(TransportError);
    expect(error?.code).toBe('DISCONNECTED');
    expect(error?.where).toBe(pair.a);
    expect(host.isOpen).toBe(false);
    await expect(host.write(Buffer.from([1]))).rejects.toMatchObject({ code: 'NOT_OPEN' });
  });
});
