import { TransportError, type TransportErrorCode } from './transport.js';

/**
 * Turning what `serialport` reports into errors a person can act on. The native bindings give no
 * errno property, only a message built from strerror(3) ("Error: Permission denied, cannot open
 * /dev/ttyAMA0", "Error Resource temporarily unavailable Cannot lock port"), so the mapping reads
 * the message; Node's own fs errors (EIO on a write after unplugging) do carry `code`.
 */
interface SerialFailure {
  code: TransportErrorCode;
  /** Recognised in the message or in the error's `code`. */
  patterns: RegExp[];
  advice: (path: string) => string;
}

const FAILURES: SerialFailure[] = [
  {
    code: 'PORT_NOT_FOUND',
    patterns: [/No such file or directory/i, /\bENOENT\b/, /No such device\b/i, /\bENODEV\b/, /\bENXIO\b/, /No such device or address/i],
    advice: (path) =>
      `no serial port at ${path}. Is the radio plugged in and powered? List the ports this machine has with ` +
      '`ls -l /dev/serial/by-id /dev/ttyUSB* /dev/ttyACM* /dev/ttyAMA*`, and on a Raspberry Pi check that the UART is ' +
      'enabled (enable_uart=1 / dtparam=uart0=on in config.txt).',
  },
  {
    code: 'PERMISSION_DENIED',
    patterns: [/Permission denied/i, /\bEACCES\b/, /Operation not permitted/i, /\bEPERM\b/],
    advice: (path) =>
      `this user may not open ${path}. Serial ports belong to the \`dialout\` group: run ` +
      '`sudo usermod -aG dialout $USER`, then log out and back in (or run the hub from the systemd unit, which has that group).',
  },
  {
    code: 'PORT_BUSY',
    patterns: [/Cannot lock port/i, /Resource temporarily unavailable/i, /\bEAGAIN\b/, /\bEWOULDBLOCK\b/, /Device or resource busy/i, /\bEBUSY\b/],
    advice: (path) =>
      `${path} is in use by another process (a second hub, zigbee2mqtt, ModemManager or a serial console). ` +
      `Find it with \`fuser -v ${path}\` or \`lsof ${path}\` and stop it; on a Raspberry Pi also remove console=serial0 from cmdline.txt.`,
  },
  {
    code: 'DISCONNECTED',
    patterns: [/\bEIO\b/, /Input\/output error/i, /i\/o error/i, /bad file descriptor/i, /\bEBADF\b/],
    advice: (path) => `${path} went away (the radio was unplugged, reset or lost power).`,
  },
];

function describeThrown(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

function errorText(error: unknown): string {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return `${describeThrown(error)} ${typeof code === 'string' ? code : ''}`;
}

/** The TransportError for a failure `serialport` reported about `path`; unknown failures are IO_ERROR. */
export function serialError(error: unknown, path: string): TransportError {
  if (error instanceof TransportError) return error;
  const text = errorText(error);
  const failure = FAILURES.find((f) => f.patterns.some((p) => p.test(text)));
  if (failure) return new TransportError(failure.code, failure.advice(path), { where: path, cause: error });
  return new TransportError('IO_ERROR', `serial port failed: ${describeThrown(error)}`, { where: path, cause: error });
}
