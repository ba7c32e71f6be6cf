import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import { HubError } from '../errors.js';
import type { Logger } from '../log.js';
import { SerialTransport } from '../transport/serial.js';
import { TcpTransportServer } from '../transport/tcp-server.js';
import { ControlServer } from './control.js';
import type { Scenario } from './scenario.js';
import { Simulator, type RuntimeFaults } from './simulator.js';

/**
 * A whole simulator process in one call: the NCP served on a TCP port or a serial device, and the
 * control interface beside it. `hub sim` is this plus option parsing; tests can run it in-process.
 */
export interface RunOptions {
  scenario: Scenario;
  /** `tcp://127.0.0.1:PORT` (PORT 0 = a free one). Ignored when `serial` is set. */
  listen?: string;
  /** A serial device (e.g. one end of a socat pty pair). */
  serial?: string;
  baudRate?: number;
  /** Control port on 127.0.0.1; 0 = a free one. */
  controlPort?: number;
  /** Where to write the control token (mode 0600); default: a new private directory under the temp dir. */
  controlTokenFile?: string;
  seed?: number;
  ezspVersion?: number;
  faults?: RuntimeFaults;
  clock: Clock;
  logger: Logger;
}

export interface RunningSimulator {
  simulator: Simulator;
  /** Where the host reaches the NCP: `tcp://…` or the serial path. */
  radio: string;
  control: string;
  /** The owner-only file holding the token every control client must send first (`auth`). */
  controlTokenFile: string;
  close(): Promise<void>;
}

export class SimRunError extends HubError {}

const TCP_URL = /^tcp:\/\/([^:/]+):(\d{1,5})$/;

function parseListen(url: string): { host: string; port: number } {
  const match = TCP_URL.exec(url);
  const port = Number(match?.[2]);
  if (!match || port > 65535) throw new SimRunError('SIM_BAD_LISTEN', `"${url}" is not tcp://HOST:PORT`, { where: '--listen' });
  return { host: match[1]!, port };
}

export async function runSimulator(options: RunOptions): Promise<RunningSimulator> {
  const simulator = new Simulator({
    scenario: options.scenario,
    clock: options.clock,
    logger: options.logger,
    seed: options.seed,
    ezspVersion: options.ezspVersion,
  });
  if (options.faults) simulator.setFaults(options.faults);
  const closers: Array<() => Promise<void>> = [() => simulator.close()];
  const close = async () => {
    for (const step of closers.splice(0).reverse()) await step();
  };
  try {
    let radio: string;
    if (options.serial) {
      const serial = new SerialTransport({ path: options.serial, baudRate: options.baudRate ?? 115200, framing: 'raw' });
      await serial.open(); // fail now, with the port's own error, rather than inside the link
      simulator.serve(serial);
      radio = options.serial;
    } else {
      const server = new TcpTransportServer(parseListen(options.listen ?? 'tcp://127.0.0.1:0'));
      server.on('connection', (transport) => {
        options.logger.info({ radio: transport.description }, 'host connected');
        simulator.serve(transport);
      });
      server.on('rejected', (remote) => options.logger.warn({ remote }, 'turned away a second host'));
      closers.push(() => server.close());
      radio = (await server.listen()).url;
    }
    const token = randomBytes(32).toString('hex');
    const controlTokenFile = await writeToken(token, options.controlTokenFile, closers);
    const control = new ControlServer(simulator, options.logger.child({ part: 'control' }), token);
    closers.push(() => control.close());
    const port = await control.listen(options.controlPort ?? 0);
    return { simulator, radio, control: `tcp://127.0.0.1:${port}`, controlTokenFile, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Any local user can reach a port on 127.0.0.1, and the control port hands out install codes and
 * resets the NCP: only the simulator's owner can read the token that opens it.
 */
async function writeToken(token: string, file: string | undefined, closers: Array<() => Promise<void>>): Promise<string> {
  if (file) {
    await writeFile(file, `${token}\n`, { mode: 0o600 });
    await chmod(file, 0o600); // an existing file keeps its mode through writeFile
    closers.push(() => rm(file, { force: true }));
    return file;
  }
  const dir = await mkdtemp(join(tmpdir(), 'hub-sim-')); // 0700
  closers.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'control-token');
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return path;
}
