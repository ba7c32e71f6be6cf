import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { serialError } from '../../../hal/transport/serial-errors.js';
import { SerialTransport } from '../../../hal/transport/serial.js';
import { TransportError } from '../../../hal/transport/transport.js';
import { usePtyPair } from '../../helpers/pty.js';

const run = promisify(execFile);
const NOBODY = 65534;

/**
 * Open `path` with serialport in a separate process running as `nobody`, and return the message
 * of the error serialport produced, exactly as the bindings built it.
 */
async function openAsNobody(path: string): Promise<string> {
  const script = `
    import { SerialPort } from 'serialport';
    const port = new SerialPort({ path: ${JSON.stringify(path)}, baudRate: 115200, autoOpen: false });
    port.open((error) => { console.log(JSON.stringify(error ? error.message : 'opened')); process.exit(0); });
  `;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd: process.cwd(),
    uid: NOBODY,
    gid: NOBODY,
  });
  return JSON.parse(stdout.trim()) as string;
}

describe('serial error mapping', () => {
  it('maps a real permission refusal to PERMISSION_DENIED naming the dialout fix', async () => {
    const pair = await usePtyPair();
    let error: TransportError;
    if (process.getuid?.() === 0) {
      // root opens anything; a pty belongs to root:tty with mode 0620, so `nobody` is refused.
      const message = await openAsNobody(pair.a);
      expect(message).toMatch(/Permission denied/);
      error = serialError(new Error(message), pair.a);
    } else {
      await chmod(pair.a, 0o000);
      const transport = new SerialTransport({ path: pair.a, baudRate: 115200 });
      onTestFinished(() => transport.close());
      error = (await transport.open().catch((e: unknown) => e)) as TransportError;
    }
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('PERMISSION_DENIED');
    expect(error.where).toBe(pair.a);
    expect(error.message).toContain('dialout');
    expect(error.message).toContain('usermod -aG dialout $USER');
  });

  it.each([
    ['Error: No such file or directory, cannot open /dev/ttyUSB0', 'PORT_NOT_FOUND'],
    ['Error: Permission denied, cannot open /dev/ttyUSB0', 'PERMISSION_DENIED'],
    ['Error Resource temporarily unavailable Cannot lock port', 'PORT_BUSY'],
    ['Error: Device or resource busy, cannot open /dev/ttyUSB0', 'PORT_BUSY'],
    ['EIO: i/o error, write', 'DISCONNECTED'],
    ['Error: Inappropriate ioctl for device setting custom baud rate of 115200', 'IO_ERROR'],
  ])('maps "%s" to %s', (message, code) => {
    const error = serialError(new Error(message), '/dev/ttyUSB0');
    expect(error.code).toBe(code);
    expect(error.where).toBe('/dev/ttyUSB0');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('reports a file that is not a terminal as IO_ERROR carrying the reason', async () => {
    const transport = new SerialTransport({ path: '/etc/hostname', baudRate: 115200 });
    const error = (await transport.open().catch((e: unknown) => e)) as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.code).toBe('IO_ERROR');
    expect(error.message).toContain('Inappropriate ioctl');
  });

  it('always yields a TransportError, whatever was thrown', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything({ withNullPrototype: true })), fc.string({ minLength: 1 }), (thrown, path) => {
        const error = serialError(typeof thrown === 'string' ? new Error(thrown) : thrown, path);
        expect(error).toBeInstanceOf(TransportError);
        expect(error.where).toBe(path);
      }),
    );
  });
});
