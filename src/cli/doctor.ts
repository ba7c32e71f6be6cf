import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { CommanderError, InvalidArgumentError, Option, type Command } from 'commander';
import { AshDecoder, AshEncoder, describeResetCode, type AshFrame } from '../../hal/ash/index.js';
import { loadBoard, listBoards, type BoardProfile } from '../../hal/boards.js';
import { SystemClock, type Clock } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { GpiodCliDriver, describeLine, resetRadio, type GpioDriver } from '../../hal/transport/gpio.js';
import { openTransport, parseTransportSpec, resolveBoardPort, type TransportSpec } from '../../hal/transport/open.js';
import { FLOW_CONTROLS, type FlowControl } from '../../hal/transport/serial.js';
import { TransportError, type Transport, type TransportErrorCode } from '../../hal/transport/transport.js';

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface DoctorCheck {
  id: 'board' | 'address' | 'port-exists' | 'port-access' | 'open' | 'reset-line' | 'ash';
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to try when the check failed. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  /** What was checked, e.g. `/dev/ttyUSB0 (board usb-efr32)`. */
  target: string;
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  board?: string;
  port?: string;
  baud?: number;
  flow?: FlowControl;
  /** How long to wait for RSTACK. Default 3000 ms. */
  timeoutMs?: number;
  /** Pulse the board's radio reset line before asking for RSTACK. */
  reset?: boolean;
  gpio?: GpioDriver;
  clock?: Clock;
  boardsDir?: string;
}

/** An RST frame as the host sends it: Cancel, control 0xC0, CRC 0x38BC, Flag. */
export const ASH_RST = Buffer.from([0x1a, 0xc0, 0x38, 0xbc, 0x7e]);

export type RstackReply =
  | { kind: 'RSTACK'; version: number; resetCode: number; description: string }
  | { kind: 'ERROR'; version: number; errorCode: number; description: string }
  | { kind: 'TIMEOUT'; bytesSeen: number; badFrames: number };

/**
 * Send RST and wait for the NCP's RSTACK (or ERROR), decoding the reply with the ASH codec.
 * Whatever else arrives is counted, so a silent line can be told from a garbled one.
 */
export async function askForRstack(transport: Transport, options: { timeoutMs: number; clock: Clock }): Promise<RstackReply> {
  const decoder = new AshDecoder();
  let bad = 0;
  let onData: (chunk: Buffer) => void = () => undefined;
  const reply = new Promise<RstackReply>((resolve) => {
    const timer = options.clock.setTimeout(() => resolve({ kind: 'TIMEOUT', bytesSeen: decoder.counters.bytes, badFrames: bad }), options.timeoutMs);
    decoder.on('bad', () => {
      bad += 1;
    });
    decoder.on('frame', (frame: AshFrame) => {
      if (frame.kind === 'RSTACK') {
        timer.cancel();
        resolve({ kind: 'RSTACK', version: frame.version, resetCode: frame.resetCode, description: describeResetCode(frame.resetCode) });
      } else if (frame.kind === 'ERROR') {
        timer.cancel();
        resolve({ kind: 'ERROR', version: frame.version, errorCode: frame.errorCode, description: describeResetCode(frame.errorCode) });
      }
    });
    onData = (chunk) => decoder.push(chunk);
  });
  transport.on('data', onData);
  try {
    await transport.write(new AshEncoder().encodeRst());
    return await reply;
  } finally {
    transport.off('data', onData);
  }
}

const OPEN_FIXES: Partial<Record<TransportErrorCode, string>> = {
  PORT_NOT_FOUND: 'plug the radio in, or pass the right --port (see `ls -l /dev/serial/by-id`)',
  PERMISSION_DENIED: 'sudo usermod -aG dialout $USER, then log out and back in',
  PORT_BUSY: 'stop the other program using the port (`fuser -v PORT`), e.g. a second hub, zigbee2mqtt or ModemManager',
  CONNECTION_REFUSED: 'start ser2net (or the network adapter) and check the port number',
  TIMEOUT: 'check the host is up and reachable (`ping`), and that no firewall drops the port',
  BAD_ADDRESS: 'use tcp://HOST:PORT or an absolute device path',
};

function silentFix(spec: TransportSpec | undefined, reply: Extract<RstackReply, { kind: 'TIMEOUT' }>): string {
  if (reply.bytesSeen > 0) {
    return `bytes arrived but no valid ASH frame (${reply.badFrames} bad): the baud rate (--baud) or flow control (--flow) does not match the radio's firmware`;
  }
  const wiring = spec?.kind === 'serial' ? 'check TX/RX are not swapped and the radio is powered; ' : '';
  return `${wiring}make sure the radio runs EmberZNet NCP firmware (not a bootloader or an RCP image), try --flow software or --flow hardware, and --reset if the board has a reset line`;
}

class Checklist {
  readonly checks: DoctorCheck[] = [];
  add(check: DoctorCheck): boolean {
    this.checks.push(check);
    return check.status !== 'fail';
  }
  skip(id: DoctorCheck['id'], title: string, why: string): void {
    this.checks.push({ id, title, status: 'skip', detail: why });
  }
}

async function serialChecks(list: Checklist, path: string): Promise<boolean> {
  const found = await stat(path).then(
    (s) => s,
    () => undefined,
  );
  const real = found ? await realpath(path).catch(() => path) : path;
  const shown = real === path ? path : `${path} -> ${real}`;
  if (!list.add(found
    ? { id: 'port-exists', title: 'port exists', status: 'pass', detail: shown }
    : { id: 'port-exists', title: 'port exists', status: 'fail', detail: `nothing at ${path}`, fix: OPEN_FIXES.PORT_NOT_FOUND })) {
    return false;
  }
  const allowed = await access(path, constants.R_OK | constants.W_OK).then(
    () => true,
    () => false,
  );
  return list.add(allowed
    ? { id: 'port-access', title: 'readable and writable', status: 'pass', detail: `this user may read and write ${shown}` }
    : { id: 'port-access', title: 'readable and writable', status: 'fail', detail: `this user may not read and write ${shown}`, fix: OPEN_FIXES.PERMISSION_DENIED });
}

/** Run every check in order; a failed check skips the ones that depend on it. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const clock = options.clock ?? new SystemClock();
  const list = new Checklist();
  let board: BoardProfile | undefined;
  if (options.board !== undefined) {
    try {
      board = await loadBoard(options.board, options.boardsDir);
      list.add({ id: 'board', title: 'board profile', status: 'pass', detail: `${board.name}: ${board.title}` });
    } catch (error) {
      const boards = await listBoards(options.boardsDir);
      list.add({ id: 'board', title: 'board profile', status: 'fail', detail: (error as Error).message, fix: `use one of: ${boards.join(', ')}` });
    }
  }
  let address = options.port;
  let spec: TransportSpec | undefined;
  if (address === undefined && board) address = await resolveBoardPort(board).catch((error: unknown) => {
    list.add({ id: 'port-exists', title: 'port exists', status: 'fail', detail: (error as Error).message, fix: OPEN_FIXES.PORT_NOT_FOUND });
    return undefined;
  });
  const target = `${address ?? board?.serial.path ?? '(no port)'}${board ? ` (board ${board.name})` : ''}`;
  const failed = (): DoctorReport => ({ ok: false, target, checks: finish(list, board) });
  if (list.checks.some((c) => c.status === 'fail')) return failed();
  if (address === undefined) {
    list.add({ id: 'address', title: 'radio address', status: 'fail', detail: 'no radio given', fix: 'pass --board NAME or --port PATH|tcp://HOST:PORT' });
    return failed();
  }
  try {
    spec = parseTransportSpec(address);
  } catch (error) {
    list.add({ id: 'address', title: 'radio address', status: 'fail', detail: (error as Error).message, fix: OPEN_FIXES.BAD_ADDRESS });
    return failed();
  }
  if (spec.kind === 'serial' && !(await serialChecks(list, spec.path))) return failed();

  const baudRate = options.baud ?? board?.serial.baudRate;
  const flowControl = options.flow ?? board?.serial.flowControl;
  let transport: Transport;
  try {
    transport = await openTransport(address, { baudRate, flowControl, clock });
    list.add({ id: 'open', title: 'opens', status: 'pass', detail: transport.description });
  } catch (error) {
    const code = error instanceof TransportError ? error.code : undefined;
    list.add({ id: 'open', title: 'opens', status: 'fail', detail: (error as Error).message, fix: (code && OPEN_FIXES[code]) ?? 'see the message above' });
    return failed();
  }
  try {
    if (options.reset && !(await resetCheck(list, board, options.gpio ?? new GpiodCliDriver(), clock))) return failed();
    const reply = await askForRstack(transport, { timeoutMs: options.timeoutMs ?? 3000, clock });
    list.add(ashCheck(reply, spec, options.timeoutMs ?? 3000));
  } finally {
    await transport.close();
  }
  const checks = finish(list, board);
  return { ok: checks.every((c) => c.status !== 'fail'), target, checks };
}

async function resetCheck(list: Checklist, board: BoardProfile | undefined, gpio: GpioDriver, clock: Clock): Promise<boolean> {
  const line = board?.radioReset;
  if (!line) {
    list.skip('reset-line', 'radio reset line', board ? `board ${board.name} has no reset line` : 'no --board given');
    return true;
  }
  try {
    await resetRadio(gpio, line, clock);
    return list.add({ id: 'reset-line', title: 'radio reset line', status: 'pass', detail: `pulsed ${describeLine(line)}` });
  } catch (error) {
    const fix = error instanceof HubError && error.code === 'GPIO_UNAVAILABLE' ? 'sudo apt install gpiod' : 'check the chip and line with `gpiodetect` and `gpioinfo`, and that this user is in the gpio group';
    return list.add({ id: 'reset-line', title: 'radio reset line', status: 'fail', detail: (error as Error).message, fix });
  }
}

function ashCheck(reply: RstackReply, spec: TransportSpec, timeoutMs: number): DoctorCheck {
  const title = 'answers ASH (RST -> RSTACK)';
  switch (reply.kind) {
    case 'RSTACK':
      return { id: 'ash', title, status: 'pass', detail: `RSTACK, ASH version ${reply.version}, ${reply.description}` };
    case 'ERROR':
      return { id: 'ash', title, status: 'fail', detail: `the radio answered ERROR (${reply.description})`, fix: 'reset the radio (power-cycle it, or --reset) and try again' };
    case 'TIMEOUT':
      return { id: 'ash', title, status: 'fail', detail: `no RSTACK within ${timeoutMs} ms (${reply.bytesSeen} bytes received)`, fix: silentFix(spec, reply) };
  }
}

const ORDER: DoctorCheck['id'][] = ['board', 'address', 'port-exists', 'port-access', 'open', 'reset-line', 'ash'];
const TITLES: Record<DoctorCheck['id'], string> = {
  board: 'board profile',
  address: 'radio address',
  'port-exists': 'port exists',
  'port-access': 'readable and writable',
  open: 'opens',
  'reset-line': 'radio reset line',
  ash: 'answers ASH (RST -> RSTACK)',
};

/** Fill in the checks that did not run after a failure, so every report lists the same steps. */
/** Checks a board's own setup (its UART freed, its console off, its flow-control pins) can make fail. */
const BOARD_SETUP_CHECKS = new Set<DoctorCheck['id']>(['port-exists', 'open', 'ash']);

function finish(list: Checklist, board?: BoardProfile): DoctorCheck[] {
  // The board's own fix (its UART, console, flow-control pins) beside the general one: on a Pi that is usually the cause.
  if (board?.setup?.length) {
    for (const check of list.checks) {
      if (check.status === 'fail' && BOARD_SETUP_CHECKS.has(check.id)) check.fix = `${check.fix ?? 'see the message above'}; on ${board.name}, check its setup: ${board.setup.join('; ')}`;
    }
  }
  const done = new Set(list.checks.map((c) => c.id));
  const failedAt = list.checks.findIndex((c) => c.status === 'fail');
  const skipped = ORDER.filter((id) => !done.has(id) && id !== 'board' && id !== 'address' && id !== 'reset-line').map(
    (id): DoctorCheck => ({ id, title: TITLES[id], status: 'skip', detail: failedAt >= 0 ? 'not run: an earlier check failed' : 'does not apply' }),
  );
  return [...list.checks, ...skipped].sort((a, b) => ORDER.indexOf(a.id) - ORDER.indexOf(b.id));
}

export function formatReport(report: DoctorReport): string {
  const lines = [`hub doctor: ${report.target}`];
  for (const check of report.checks) {
    lines.push(`  ${check.status.toUpperCase().padEnd(4)}  ${check.title.padEnd(28)} ${check.detail}`);
    if (check.fix && check.status === 'fail') lines.push(`        fix: ${check.fix}`);
  }
  lines.push(report.ok ? 'All checks passed.' : 'Some checks failed; try the fixes above, in order.');
  return `${lines.join('\n')}\n`;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`"${text}" is not a positive whole number`);
  return n;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check that the radio is reachable: port present, permissions, opens, and answers an ASH reset')
    .option('-b, --board <name>', 'board profile from boards/ (serial path, baud, flow control, reset line)')
    .option('-p, --port <path|tcp://host:port>', 'serial device or network coordinator; overrides the board\'s path')
    .option('--baud <rate>', 'baud rate (default: the board\'s, else 115200)', positiveInt)
    .addOption(new Option('--flow <kind>', 'flow control (default: the board\'s, else none)').choices([...FLOW_CONTROLS]))
    .option('--timeout <ms>', 'how long to wait for the RSTACK reply', positiveInt, 3000)
    .option('--reset', 'pulse the board\'s radio reset line (needs libgpiod\'s gpioset) before asking')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Each check prints PASS, FAIL (with a fix to try) or SKIP; the exit code is 1 when any check fails.
The last check sends an ASH RST frame (1A C0 38 BC 7E) and waits for the radio's RSTACK, which
proves the baud rate, flow control, wiring and NCP firmware all agree.

Examples:
  hub doctor --board rpi5
  hub doctor --port /dev/serial/by-id/usb-ITEAD_..._if00-port0 --flow software
  hub doctor --port tcp://192.168.1.20:6638 --json`,
    )
    .action(async (opts: { board?: string; port?: string; baud?: number; flow?: FlowControl; timeout: number; reset?: boolean; json?: boolean }) => {
      const report = await runDoctor({ board: opts.board, port: opts.port, baud: opts.baud, flow: opts.flow, timeoutMs: opts.timeout, reset: opts.reset });
      process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      if (!report.ok) throw new CommanderError(1, 'hub.doctor.failed', 'a check failed');
    });
}
