import { InvalidArgumentError, Option, type Command } from 'commander';
import { SystemClock } from '../../hal/clock.js';
import { loadScenario } from '../../hal/sim/scenario.js';
import { runSimulator } from '../../hal/sim/run.js';
import type { RuntimeFaults } from '../../hal/sim/simulator.js';
import { createLogger } from '../logs/index.js';

interface SimOptions {
  withParent?: boolean;
  listen?: string;
  serial?: string;
  baud: number;
  scenario?: string;
  control: number;
  controlTokenFile?: string;
  seed?: number;
  ezspVersion: number;
  corruptOneIn?: number;
  dropOneIn?: number;
  duplicateOneIn?: number;
  faultDirections?: Array<'toHost' | 'toNcp'>;
  delayMs?: number;
  resetAfterFrames?: number;
  logLevel?: string;
  dualBand?: boolean;
}

function count(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value > max) throw new InvalidArgumentError(`${name} must be a whole number 0..${max}`);
    return value;
  };
}

function directions(text: string): Array<'toHost' | 'toNcp'> {
  const list = text.split(',').map((d) => d.trim());
  if (list.length === 0 || list.some((d) => d !== 'toHost' && d !== 'toNcp')) throw new InvalidArgumentError('directions are toHost, toNcp or toHost,toNcp');
  return list as Array<'toHost' | 'toNcp'>;
}

function faultsFrom(options: SimOptions): RuntimeFaults {
  const faults: RuntimeFaults = {};
  if (options.corruptOneIn !== undefined) faults.corruptOneIn = options.corruptOneIn;
  if (options.dropOneIn !== undefined) faults.dropOneIn = options.dropOneIn;
  if (options.duplicateOneIn !== undefined) faults.duplicateOneIn = options.duplicateOneIn;
  if (options.faultDirections !== undefined) faults.directions = options.faultDirections;
  if (options.delayMs !== undefined) faults.delayMs = options.delayMs;
  if (options.resetAfterFrames !== undefined) faults.resetAfterFrames = options.resetAfterFrames;
  return faults;
}

/**
 * Resolves when the process is told to stop. Started by a hub (`withParent`), it leaves Ctrl-C to
 * that hub, which stops it after its own radio, so the hub's shutdown does not see its NCP vanish
 * first; and it stops when its stdin closes, so it does not outlive a hub that was killed.
 */
function stopSignal(withParent: boolean): Promise<string> {
  return new Promise((resolve) => {
    const ignore = () => undefined;
    const stop = (signal: string) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', withParent ? ignore : stop);
      process.stdin.off('end', parentGone);
      if (withParent) process.stdin.pause();
      resolve(signal);
    };
    const parentGone = () => stop('parent gone');
    process.on('SIGTERM', stop);
    process.on('SIGINT', withParent ? ignore : stop);
    if (withParent) {
      process.stdin.on('end', parentGone);
      process.stdin.resume();
    }
  });
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run a simulated EmberZNet NCP and the HAN behind it, speaking ASH + EZSP to a hub')
    .option('--listen <url>', 'serve the NCP on TCP, tcp://127.0.0.1:PORT (PORT 0 = a free port); the default')
    .option('--serial <path>', 'serve the NCP on a serial device instead, e.g. one end of a socat pty pair')
    .option('--baud <rate>', 'baud rate for --serial', count('--baud'), 115200)
    .option('--scenario <file>', 'YAML scenario: the devices, network defaults and faults (default: the built-in HAN)')
    .option('--control <port>', 'control interface port on 127.0.0.1, newline-delimited JSON (0 = a free port)', count('--control', 65535), 0)
    .option('--control-token-file <path>', 'write the token control clients must send first (auth) here, mode 0600 (default: a private temp directory)')
    .option('--seed <n>', 'seed for injected faults and node ids, so a failing run can be repeated (default: the scenario\'s)', count('--seed', 0xffffffff))
    .option('--ezsp-version <n>', 'the EZSP protocol version the NCP speaks', count('--ezsp-version'), 13)
    .option('--corrupt-one-in <n>', 'corrupt one byte in N on the serial line (0 = never)', count('--corrupt-one-in'))
    .option('--drop-one-in <n>', 'drop one byte in N on the serial line (0 = never)', count('--drop-one-in'))
    .option('--duplicate-one-in <n>', 'send one ASH frame in N twice (0 = never)', count('--duplicate-one-in'))
    .option('--fault-directions <list>', 'which way line faults hit: toHost, toNcp or toHost,toNcp (default both)', directions)
    .option('--delay-ms <n>', 'delay every EZSP response and callback by this many milliseconds', count('--delay-ms'))
    .option('--reset-after-frames <n>', 'reset the NCP once, after it has handled N EZSP frames from the host (0 = never)', count('--reset-after-frames'))
    .option('--log-level <level>', 'log level for stderr (fatal, error, warn, info, debug, trace)')
    .option('--dual-band', 'a dual-band NCP: Sub GHz scans (pages 28..31) and channels, whatever the scenario says')
    .addOption(new Option('--with-parent', 'started by a hub: stop when stdin closes and leave SIGINT to the hub').hideHelp())
    .addHelpText(
      'after',
      '\nOn start it prints one JSON line to stdout: {"event":"listening","radio":…,"control":…,"controlTokenFile":…}.\n' +
        'Logs go to stderr. SIGTERM or SIGINT stops it cleanly. The control protocol is in hal/sim/README.md.',
    )
    .action(async (options: SimOptions) => {
      const logger = createLogger({ level: options.logLevel, destination: process.stderr }).child({ program: 'sim' });
      const loaded = await loadScenario(options.scenario);
      const scenario = options.dualBand ? { ...loaded, network: { ...loaded.network, dualBand: true } } : loaded;
      const running = await runSimulator({
        scenario,
        listen: options.listen,
        serial: options.serial,
        baudRate: options.baud,
        controlPort: options.control,
        ...(options.controlTokenFile ? { controlTokenFile: options.controlTokenFile } : {}),
        seed: options.seed,
        ezspVersion: options.ezspVersion,
        faults: faultsFrom(options),
        clock: new SystemClock(),
        logger,
      });
      // Armed before the line that tells a parent it may signal us, so no signal finds us unready.
      const stopped = stopSignal(options.withParent === true);
      const { faults } = running.simulator.status();
      process.stdout.write(
        `${JSON.stringify({ event: 'listening', radio: running.radio, control: running.control, controlTokenFile: running.controlTokenFile, ezspVersion: options.ezspVersion, seed: faults.seed, scenario: scenario.source })}\n`,
      );
      const signal = await stopped;
      logger.info({ signal }, 'stopping');
      await running.close();
    });
}
