import { SystemClock } from '../../../hal/clock.js';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { GpioLineSpec } from '../../../hal/boards.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { GpioError, type GpioDriver } from '../../../hal/transport/gpio.js';
import { SerialTransport } from '../../../hal/transport/serial.js';
import { TcpTransportServer } from '../../../hal/transport/tcp-server.js';
import { formatReport, runDoctor, type DoctorReport } from '../../../src/cli/doctor.js';
import { usePtyPair } from '../../helpers/pty.js';

const run = promisify(execFile);

/** A simulated NCP answering on the far end of a fresh pty pair; returns the near end's path. */
async function simulatedRadio(): Promise<string> {
  const pair = await usePtyPair();
  const sim = new Simulator({ scenario: await loadScenario(undefined), clock: new SystemClock() });
  onTestFinished(() => sim.close());
  sim.serve(new SerialTransport({ path: pair.b, baudRate: 115200 }));
  return pair.a;
}

function statuses(report: DoctorReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

/** A boards dir holding one profile for a radio at `path` with a reset line. */
async function boardAt(path: string, setup?: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-doctor-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const profile = {
    name: 'bench',
    title: 'bench radio',
    serial: { path, baudRate: 115200, flowControl: 'none' },
    radioReset: { chip: 'pinctrl-bcm2711', line: 24, activeLow: true, pulseMs: 20, settleMs: 0 },
    statusLed: null,
    ...(setup ? { setup } : {}),
  };
  await writeFile(join(dir, 'bench.json'), JSON.stringify(profile));
  return dir;
}

class RecordingGpio implements GpioDriver {
  pulses: Array<{ line: GpioLineSpec; ms: number }> = [];
  constructor(private readonly failure?: GpioError) {}
  async pulse(line: GpioLineSpec, ms: number): Promise<void> {
    if (this.failure) throw this.failure;
    this.pulses.push({ line, ms });
  }
}

describe('hub doctor', () => {
  it('passes every check against a simulated NCP on a serial line', async () => {
    const port = await simulatedRadio();
    const report = await runDoctor({ port });
    expect(statuses(report)).toEqual({ 'port-exists': 'pass', 'port-access': 'pass', open: 'pass', ash: 'pass' });
    expect(report.ok).toBe(true);
    expect(report.checks.at(-1)?.detail).toMatch(/^RSTACK, ASH version 2, reset: /);
    expect(formatReport(report)).toContain('All checks passed.');
  });

  it('passes against a simulated NCP over tcp://, where the port checks do not apply', async () => {
    const server = new TcpTransportServer({ port: 0 });
    const sim = new Simulator({ scenario: await loadScenario(undefined), clock: new SystemClock() });
    onTestFinished(async () => {
      await server.close();
      await sim.close();
    });
    server.on('connection', (transport) => sim.serve(transport));
    const { url } = await server.listen();
    const report = await runDoctor({ port: url });
    expect(report.ok).toBe(true);
    expect(statuses(report)).toMatchObject({ open: 'pass', ash: 'pass', 'port-exists': 'skip' });
  });

  it('fails the ASH check on a silent line, pointing at firmware and flow control', async () => {
    const pair = await usePtyPair();
    const peer = new SerialTransport({ path: pair.b, baudRate: 115200 });
    await peer.open();
    onTestFinished(() => peer.close());
    const report = await runDoctor({ port: pair.a, timeoutMs: 300 });
    expect(report.ok).toBe(false);
    const ash = report.checks.find((c) => c.id === 'ash')!;
    expect(ash).toMatchObject({ status: 'fail', detail: 'no RSTACK within 300 ms (0 bytes received)' });
    expect(ash.fix).toContain('NCP firmware');
    expect(formatReport(report)).toContain('fix: check TX/RX');
  });

  it('tells garbled replies (a baud or flow mismatch) from silence', async () => {
    const pair = await usePtyPair();
    const peer = new SerialTransport({ path: pair.b, baudRate: 115200 });
    await peer.open();
    onTestFinished(() => peer.close());
    peer.on('data', () => void peer.write(Buffer.from([0xf3, 0x99, 0x7e, 0x12, 0x34, 0x56, 0x7e])));
    const report = await runDoctor({ port: pair.a, timeoutMs: 300 });
    const ash = report.checks.find((c) => c.id === 'ash')!;
    expect(ash.status).toBe('fail');
    expect(ash.fix).toContain('baud rate (--baud) or flow control (--flow) does not match');
  });

  it("names the board's own setup beside the fix when its radio is silent", async () => {
    const pair = await usePtyPair();
    const peer = new SerialTransport({ path: pair.b, baudRate: 115200 });
    await peer.open();
    onTestFinished(() => peer.close());
    const setup = ['config.txt: enable_uart=1 and dtoverlay=disable-bt', 'cmdline.txt: remove console=serial0,115200'];
    const report = await runDoctor({ board: 'bench', boardsDir: await boardAt(pair.a, setup), timeoutMs: 300 });
    const ash = report.checks.find((c) => c.id === 'ash')!;
    expect(ash.status).toBe('fail');
    expect(ash.fix).toContain('NCP firmware');
    expect(ash.fix).toContain(`on bench, check its setup: ${setup.join('; ')}`);
    // A radio that answers needs no such advice.
    const answering = await runDoctor({ board: 'bench', boardsDir: await boardAt(await simulatedRadio(), setup) });
    expect(answering.checks.every((c) => !c.fix?.includes('check its setup'))).toBe(true);
  });

  it('stops at a missing port and skips what depends on it', async () => {
    const report = await runDoctor({ port: '/dev/does-not-exist-hub' });
    expect(statuses(report)).toEqual({ 'port-exists': 'fail', 'port-access': 'skip', open: 'skip', ash: 'skip' });
    expect(report.checks[0]?.fix).toContain('/dev/serial/by-id');
  });

  it('reports an unknown board with the ones that exist, and nonsense addresses with the accepted forms', async () => {
    const board = await runDoctor({ board: 'rpi3' });
    expect(board.checks[0]).toMatchObject({ id: 'board', status: 'fail' });
    expect(board.checks[0]?.fix).toContain('rpi4b');
    const address = await runDoctor({ port: 'ttyUSB0' });
    expect(address.checks[0]).toMatchObject({ id: 'address', status: 'fail' });
    expect(address.checks[0]?.detail).toContain('Did you mean /dev/ttyUSB0?');
  });

  it('pulses the board reset line before asking, when told to', async () => {
    const port = await simulatedRadio();
    const gpio = new RecordingGpio();
    const report = await runDoctor({ board: 'bench', boardsDir: await boardAt(port), reset: true, gpio });
    expect(statuses(report)).toMatchObject({ board: 'pass', 'reset-line': 'pass', ash: 'pass' });
    expect(gpio.pulses).toEqual([{ line: expect.objectContaining({ chip: 'pinctrl-bcm2711', line: 24, activeLow: true }), ms: 20 }]);
  });

  it('fails the reset check when the line cannot be driven, and does not go on to ASH', async () => {
    const port = await simulatedRadio();
    const gpio = new RecordingGpio(new GpioError('GPIO_UNAVAILABLE', 'gpioset was not found'));
    const report = await runDoctor({ board: 'bench', boardsDir: await boardAt(port), reset: true, gpio });
    expect(statuses(report)).toMatchObject({ 'reset-line': 'fail', ash: 'skip' });
    expect(report.checks.find((c) => c.id === 'reset-line')?.fix).toBe('sudo apt install gpiod');
  });

  it('exits 1 with a JSON report from the command line, and explains itself in --help', async () => {
    const cli = ['--import', 'tsx', 'src/cli.ts'];
    const failed = await run(process.execPath, [...cli, 'doctor', '--port', '/dev/does-not-exist-hub', '--json']).catch(
      (e: unknown) => e as { code: number; stdout: string },
    );
    expect((failed as { code: number }).code).toBe(1);
    const report = JSON.parse((failed as { stdout: string }).stdout) as DoctorReport;
    expect(report.ok).toBe(false);
    expect(report.checks[0]?.id).toBe('port-exists');

    const { stdout } = await run(process.execPath, [...cli, 'doctor', '--help']);
    expect(stdout).toContain('--board <name>');
    expect(stdout).toContain('RSTACK');
  });
});
