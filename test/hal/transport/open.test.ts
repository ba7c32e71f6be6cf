import { SystemClock } from '../../../hal/clock.js';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { BoardProfile } from '../../../hal/boards.js';
import { createTransport, openTransport, parseTransportSpec, resolveBoardPort } from '../../../hal/transport/open.js';
import { SerialTransport } from '../../../hal/transport/serial.js';
import { TcpTransportServer } from '../../../hal/transport/tcp-server.js';
import { TcpTransport } from '../../../hal/transport/tcp.js';
import { TransportError, type Transport } from '../../../hal/transport/transport.js';
import { usePtyPair } from '../../helpers/pty.js';

function badAddress(spec: string): TransportError {
  let caught: unknown;
  try {
    createTransport(spec, { clock: new SystemClock() });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(TransportError);
  expect((caught as TransportError).code).toBe('BAD_ADDRESS');
  return caught as TransportError;
}

function board(path: string, fallbackPaths: string[] = []): BoardProfile {
  return {
    name: 'test-board',
    title: 'test',
    serial: { path, fallbackPaths, baudRate: 115200, flowControl: 'none' },
    radioReset: null,
    statusLed: null,
  };
}

function closeAfter(transport: Transport): Transport {
  onTestFinished(() => transport.close());
  return transport;
}

describe('parseTransportSpec', () => {
  it.each([
    ['tcp://192.168.1.20:6638', { kind: 'tcp', host: '192.168.1.20', port: 6638 }],
    ['tcp://coordinator.local:6638/', { kind: 'tcp', host: 'coordinator.local', port: 6638 }],
    ['TCP://[fe80::1]:1', { kind: 'tcp', host: 'fe80::1', port: 1 }],
    ['/dev/ttyUSB0', { kind: 'serial', path: '/dev/ttyUSB0' }],
    ['/dev/serial/by-id/usb-ITEAD_Dongle_E_abc-if00-port0', { kind: 'serial', path: '/dev/serial/by-id/usb-ITEAD_Dongle_E_abc-if00-port0' }],
  ])('understands %s', (spec, expected) => {
    expect(parseTransportSpec(spec)).toEqual(expected);
  });

  it.each([
    ['', 'not a radio address'],
    ['tcp://host', 'not a usable tcp://'],
    ['tcp://host:0', 'outside 1-65535'],
    ['tcp://host:70000', 'outside 1-65535'],
    ['tcp://[zz::1]:80', 'not a usable tcp://'],
    ['tcp://[1:2]:80', 'is not an IPv6 address'],
    ['tcp://user@host:80', 'not a usable tcp://'],
    ['/dev/tty USB0', 'not a usable device path'],
    ['/dev/serial/by-id/usb-*', 'not a usable device path'],
    ['/dev/', 'not a usable device path'],
  ])('refuses %j', (spec, reason) => {
    const error = badAddress(spec);
    expect(error.message).toContain(reason);
    expect(error.message).toContain('tcp://HOST:PORT');
    expect(error.where).toBe(JSON.stringify(spec));
  });

  it('suggests the form that was probably meant', () => {
    expect(badAddress('ttyUSB0').message).toContain('Did you mean /dev/ttyUSB0?');
    expect(badAddress('10.0.0.5:6638').message).toContain('Did you mean tcp://10.0.0.5:6638?');
    expect(badAddress('COM3').message).toContain('Windows');
  });

  it('turns any string into a Transport or a BAD_ADDRESS error, never anything else', () => {
    const specs = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.string().map((s) => `tcp://${s}`),
      fc.tuple(fc.domain(), fc.integer({ min: -5, max: 70000 })).map(([h, p]) => `tcp://${h}:${p}`),
      fc.string().map((s) => `/${s}`),
    );
    fc.assert(
      fc.property(specs, (spec) => {
        let transport: Transport;
        try {
          transport = createTransport(spec, { clock: new SystemClock() });
        } catch (error) {
          return error instanceof TransportError && error.code === 'BAD_ADDRESS';
        }
        const kind = spec.toLowerCase().startsWith('tcp:') ? TcpTransport : SerialTransport;
        return !transport.isOpen && transport instanceof kind;
      }),
      { numRuns: 500 },
    );
  });
});

describe('openTransport', () => {
  it('opens a serial device path at the requested baud rate', async () => {
    const pair = await usePtyPair();
    const transport = closeAfter(await openTransport(pair.a, { baudRate: 57600, clock: new SystemClock() }));
    expect(transport.isOpen).toBe(true);
    expect(transport.description).toBe(`${pair.a} at 57600 baud`);
  });

  it('opens tcp:// against a listening server', async () => {
    const server = new TcpTransportServer({ port: 0 });
    onTestFinished(() => server.close());
    const { url } = await server.listen();
    const transport = closeAfter(await openTransport(url, { clock: new SystemClock() }));
    expect(transport.isOpen).toBe(true);
    expect(transport.description).toBe(url);
  });

  it('opens a board profile on the first path that exists, with the profile settings', async () => {
    const pair = await usePtyPair();
    const profile = board('/dev/no-such-radio', ['/dev/no-such-either', pair.a]);
    profile.serial.baudRate = 230400;
    profile.serial.flowControl = 'software';
    const transport = closeAfter(await openTransport(profile, { clock: new SystemClock() }));
    expect(transport.description).toBe(`${pair.a} at 230400 baud, software flow control`);
  });

  it('reports a board whose radio is nowhere, listing what was tried', async () => {
    const error = (await openTransport(board('/dev/no-such-radio', ['/dev/ttyNOPE9']), { clock: new SystemClock() }).catch((e: unknown) => e)) as TransportError;
    expect(error.code).toBe('PORT_NOT_FOUND');
    expect(error.message).toContain('/dev/no-such-radio, /dev/ttyNOPE9');
  });

  it('passes serial failures through with their own code', async () => {
    const error = (await openTransport('/dev/does-not-exist-hub', { clock: new SystemClock() }).catch((e: unknown) => e)) as TransportError;
    expect(error.code).toBe('PORT_NOT_FOUND');
  });
});

describe('resolveBoardPort', () => {
  it('expands a by-id pattern, and refuses to guess between several matches', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-by-id-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const pair = await usePtyPair();
    await symlink(pair.a, join(dir, 'usb-Silicon_Labs_EFR32_0001-if00-port0'));
    await symlink(pair.b, join(dir, 'other-device'));
    expect(await resolveBoardPort(board(join(dir, 'usb-*')))).toBe(join(dir, 'usb-Silicon_Labs_EFR32_0001-if00-port0'));

    await symlink(pair.b, join(dir, 'usb-Silicon_Labs_EFR32_0002-if00-port0'));
    const error = (await resolveBoardPort(board(join(dir, 'usb-*'))).catch((e: unknown) => e)) as TransportError;
    expect(error.code).toBe('BAD_ADDRESS');
    expect(error.message).toContain('--port');
  });
});
