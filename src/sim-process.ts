import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { HubError } from '../hal/errors.js';

/**
 * Runs `hub sim` as its own process (as a real NCP is its own chip) and talks to its control
 * interface. Used by `hub start` when no radio is configured, and by tests that want the hub and
 * the simulated HAN in separate processes.
 */
export class SimProcessError extends HubError {}

export interface SimProcessOptions {
  /** Extra `hub sim` arguments (scenario, faults, seed...). */
  args?: string[];
  /** Where the simulator's own log lines go (its stderr); discarded when unset. */
  stderr?: NodeJS.WritableStream;
  startTimeoutMs?: number;
}

export interface SimDevice {
  name: string;
  eui64: string;
  type: string;
  joined: boolean;
  /** The install code the hub is told (what is printed on the device's label). */
  installCode: string;
  /** False for a device left for a head end to add (CCS01). */
  commissioned: boolean;
}

export interface SimProcess {
  radio: string;
  control: string;
  /** The owner-only file with the token the control port asks for first. */
  controlTokenFile: string;
  request<T = Record<string, unknown>>(op: string, fields?: Record<string, unknown>): Promise<T>;
  devices(): Promise<SimDevice[]>;
  stop(): Promise<void>;
}

/** The command that runs this project's CLI in a child: through tsx from source, plainly when built. */
export function cliCommand(): { command: string; args: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return { command: process.execPath, args: ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./cli.ts', here))] };
  }
  return { command: process.execPath, args: [fileURLToPath(new URL('./cli.js', here))] };
}

interface Listening {
  radio: string;
  control: string;
  controlTokenFile: string;
}

function readListening(child: ChildProcess, timeoutMs: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new SimProcessError('SIM_START_TIMEOUT', `the simulator did not start within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      lines.close();
      child.kill('SIGKILL');
      reject(error);
    };
    child.once('exit', (code) => fail(new SimProcessError('SIM_EXITED', `the simulator exited (code ${code}) before it was listening`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      try {
        const parsed = JSON.parse(line) as Partial<Listening> & { event?: string };
        if (parsed.event !== 'listening' || !parsed.radio || !parsed.control || !parsed.controlTokenFile) throw new Error(line);
        resolve({ radio: parsed.radio, control: parsed.control, controlTokenFile: parsed.controlTokenFile });
      } catch {
        fail(new SimProcessError('SIM_BAD_START_LINE', `unexpected first line from the simulator: ${line.slice(0, 200)}`));
      }
    });
  });
}

export class ControlConnection {
  private nextId = 1;
  private buffered = '';
  private readonly waiting = new Map<number, { resolve: (reply: Record<string, unknown>) => void; reject: (error: Error) => void }>();

  constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => {
      for (const pending of this.waiting.values()) pending.reject(new SimProcessError('SIM_CONTROL_CLOSED', 'the simulator closed its control connection'));
      this.waiting.clear();
    });
  }

  static open(url: string): Promise<ControlConnection> {
    const match = /^tcp:\/\/([^:]+):(\d+)$/.exec(url);
    if (!match) return Promise.reject(new SimProcessError('SIM_BAD_CONTROL', `control address "${url}" is not tcp://host:port`));
    return new Promise((resolve, reject) => {
      const socket = connect(Number(match[2]), match[1]!, () => {
        socket.off('error', reject);
        resolve(new ControlConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  private onData(chunk: string): void {
    this.buffered += chunk;
    for (let end = this.buffered.indexOf('\n'); end >= 0; end = this.buffered.indexOf('\n')) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      const reply = JSON.parse(line) as Record<string, unknown>;
      if (typeof reply['id'] !== 'number') continue; // a pushed event
      const pending = this.waiting.get(reply['id']);
      this.waiting.delete(reply['id']);
      if (!pending) continue;
      if (reply['ok'] === true) pending.resolve(reply);
      else {
        const error = reply['error'] as { code?: string; message?: string } | undefined;
        pending.reject(new SimProcessError(error?.code ?? 'SIM_CONTROL_ERROR', error?.message ?? line));
      }
    }
  }

  request(op: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.socket.write(`${JSON.stringify({ ...fields, op, id })}\n`);
    });
  }

  close(): void {
    this.socket.end();
  }
}

/** Connect to a running simulator's control; with its token file (`controlTokenFile`), authenticate first, as it asks of every client. */
export async function connectSimControl(control: string, tokenFile?: string): Promise<Pick<SimProcess, 'request' | 'devices'> & { close(): void }> {
  const connection = await ControlConnection.open(control);
  if (tokenFile !== undefined) await connection.request('auth', { token: (await readFile(tokenFile, 'utf8')).trim() });
  await connection.request('events', { enabled: false });
  return {
    request: async <T>(op: string, fields: Record<string, unknown> = {}) => (await connection.request(op, fields)) as T,
    devices: async () => ((await connection.request('devices', {})) as unknown as { devices: SimDevice[] }).devices,
    close: () => connection.close(),
  };
}

export async function startSimProcess(options: SimProcessOptions = {}): Promise<SimProcess> {
  const { command, args } = cliCommand();
  // Its stdin is the hub's lifeline: when the hub is gone, the pipe closes and the simulator stops.
  const child = spawn(command, [...args, 'sim', '--with-parent', '--listen', 'tcp://127.0.0.1:0', '--control', '0', ...(options.args ?? [])], {
    stdio: ['pipe', 'pipe', options.stderr ? 'pipe' : 'ignore'],
  });
  if (options.stderr) child.stderr!.pipe(options.stderr, { end: false });
  const { radio, control, controlTokenFile } = await readListening(child, options.startTimeoutMs ?? 30_000);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let connection: ControlConnection;
  try {
    connection = await ControlConnection.open(control);
    await connection.request('auth', { token: (await readFile(controlTokenFile, 'utf8')).trim() });
    await connection.request('events', { enabled: false });
  } catch (error) {
    child.kill('SIGKILL'); // no caller holds it yet, so nobody else would stop it
    throw error;
  }
  return {
    radio,
    control,
    controlTokenFile,
    request: async <T>(op: string, fields: Record<string, unknown> = {}) => (await connection.request(op, fields)) as T,
    devices: async () => ((await connection.request('devices', {})) as unknown as { devices: SimDevice[] }).devices,
    stop: async () => {
      connection.close();
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
