import type { TestProject } from 'vitest/node';
import { startSimProcess, type SimProcess } from '../hal/sim/sim-process.js';

/**
 * Without HIL_PORT the suite runs against `hub sim` (over TCP, EZSP 13), so it runs in CI and
 * cannot rot; the tests reach the simulator's control port to play the Device's side (its join).
 * With HIL_PORT it runs against that radio and nothing is started here.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    /** The simulator's radio URL and control port, when the suite runs against `hub sim`. */
    hilSim: { radio: string; controlPort: number; controlTokenFile: string } | null;
  }
}

let sim: SimProcess | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env['HIL_PORT']) {
    project.provide('hilSim', null);
    return;
  }
  sim = await startSimProcess(['--listen', 'tcp://127.0.0.1:0']);
  const controlPort = Number(sim.listening.control.split(':').pop());
  project.provide('hilSim', { radio: sim.listening.radio, controlPort, controlTokenFile: sim.listening.controlTokenFile });
  process.stderr.write(`HIL: HIL_PORT is not set, so the suite runs against hub sim on ${sim.listening.radio}. Set HIL_PORT=/dev/ttyUSB0 (or tcp://host:port) for a real radio.\n`);
}

export async function teardown(): Promise<void> {
  await sim?.stop();
}
