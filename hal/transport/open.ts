import { readdir, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { basename, dirname, join } from 'node:path';
import type { BoardProfile } from '../boards.js';
import type { Clock } from '../clock.js';
import { SerialTransport, type FlowControl } from './serial.js';
import { TcpTransport } from './tcp.js';
import { TransportError, type Transport } from './transport.js';

/** Where the radio is, once a spec string has been understood. */
export type TransportSpec = { kind: 'tcp'; host: string; port: number } | { kind: 'serial'; path: string };

export interface TransportOptions {
  /** Serial only; a board profile's value is used when this is unset. Default 115200. */
  baudRate?: number;
  /** Serial only; a board profile's value is used when this is unset. Default `none`. */
  flowControl?: FlowControl;
  /** Serial only: hand up whole ASH frames (default) or raw chunks. */
  framing?: 'ash' | 'raw';
  /** TCP only. */
  connectTimeoutMs?: number;
  /** TCP only: times the connect. */
  clock: Clock;
}

export const DEFAULT_BAUD_RATE = 115200;

const ACCEPTED_FORMS =
  'expected tcp://HOST:PORT (e.g. tcp://192.168.1.20:6638 or tcp://[fe80::1]:6638), ' +
  'an absolute device path (e.g. /dev/ttyUSB0 or /dev/serial/by-id/usb-...), or a board profile (--board NAME)';

const TCP = /^tcp:\/\/(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)):([0-9]{1,5})\/?$/i;
const DEVICE_PATH = /^\/[^\s\0*?]{1,4095}$/;

function shown(spec: string): string {
  const printable = JSON.stringify(spec.length > 80 ? `${spec.slice(0, 77)}...` : spec);
  return printable;
}

function hint(spec: string): string {
  if (/^tty[A-Za-z]+[0-9]*$/.test(spec) || /^serial[0-9]$/.test(spec)) return ` Did you mean /dev/${spec}?`;
  if (/^COM[0-9]+$/i.test(spec)) return ' Windows COM ports are not supported; the hub runs on Linux.';
  if (/^[A-Za-z0-9.-]+:[0-9]+$/.test(spec)) return ` Did you mean tcp://${spec}?`;
  return '';
}

function badAddress(spec: string, why: string): TransportError {
  return new TransportError('BAD_ADDRESS', `${why}; ${ACCEPTED_FORMS}.${hint(spec)}`, { where: shown(spec) });
}

/** Understand a radio address without touching the system. Throws BAD_ADDRESS for anything else. */
export function parseTransportSpec(spec: string): TransportSpec {
  if (/^tcp:/i.test(spec)) {
    const match = TCP.exec(spec);
    if (!match) throw badAddress(spec, 'not a usable tcp:// address');
    const [, v6, name, portText] = match;
    if (v6 !== undefined && isIP(v6) !== 6) throw badAddress(spec, `${v6} is not an IPv6 address`);
    const port = Number(portText);
    if (port < 1 || port > 65535) throw badAddress(spec, `port ${portText} is outside 1-65535`);
    return { kind: 'tcp', host: (v6 ?? name)!, port };
  }
  if (spec.startsWith('/')) {
    if (!DEVICE_PATH.test(spec) || spec.endsWith('/')) throw badAddress(spec, 'not a usable device path');
    return { kind: 'serial', path: spec };
  }
  throw badAddress(spec, 'not a radio address');
}

/** Build (but do not open) the Transport for a spec string. */
export function createTransport(spec: string, options: TransportOptions): Transport {
  const parsed = parseTransportSpec(spec);
  if (parsed.kind === 'tcp') {
    return TcpTransport.client({ host: parsed.host, port: parsed.port, connectTimeoutMs: options.connectTimeoutMs, clock: options.clock });
  }
  return new SerialTransport({
    path: parsed.path,
    baudRate: options.baudRate ?? DEFAULT_BAUD_RATE,
    flowControl: options.flowControl ?? 'none',
    framing: options.framing,
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Paths matching a last-segment `*` pattern, e.g. /dev/serial/by-id/usb-*. */
async function expand(pattern: string): Promise<string[]> {
  if (!pattern.includes('*')) return (await exists(pattern)) ? [pattern] : [];
  const dir = dirname(pattern);
  const parts = basename(pattern)
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  const matcher = new RegExp(`^${parts.join('.*')}$`);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => matcher.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * The serial path a board's radio is on now: its `path` (expanded if it holds `*`), else the first
 * fallback that exists. PORT_NOT_FOUND lists everything tried. Several by-id matches are refused
 * (BAD_ADDRESS), since picking one would be a guess.
 */
export async function resolveBoardPort(board: BoardProfile): Promise<string> {
  const matches = await expand(board.serial.path);
  if (matches.length > 1) {
    throw new TransportError(
      'BAD_ADDRESS',
      `board ${board.name} matches several devices (${matches.join(', ')}); pass the one to use with --port`,
      { where: board.serial.path },
    );
  }
  if (matches[0]) return matches[0];
  for (const fallback of board.serial.fallbackPaths ?? []) {
    if (await exists(fallback)) return fallback;
  }
  const tried = [board.serial.path, ...(board.serial.fallbackPaths ?? [])].join(', ');
  throw new TransportError(
    'PORT_NOT_FOUND',
    `board ${board.name}: no serial port found (tried ${tried}). Is the radio connected? List ports with \`ls -l /dev/serial/by-id /dev/tty*\`.`,
    { where: board.serial.path },
  );
}

/**
 * Build and open the Transport for a spec string or a board profile. Options override the
 * profile's baud rate and flow control. Failures are TransportErrors (BAD_ADDRESS, PORT_NOT_FOUND,
 * PERMISSION_DENIED, PORT_BUSY, CONNECTION_REFUSED, TIMEOUT, IO_ERROR).
 */
export async function openTransport(spec: string | BoardProfile, options: TransportOptions): Promise<Transport> {
  let transport: Transport;
  if (typeof spec === 'string') {
    transport = createTransport(spec, options);
  } else {
    const path = await resolveBoardPort(spec);
    transport = createTransport(path, {
      ...options,
      baudRate: options.baudRate ?? spec.serial.baudRate,
      flowControl: options.flowControl ?? spec.serial.flowControl,
    });
  }
  await transport.open();
  return transport;
}
