import type { Command } from 'commander';
import { registerStart } from './start.js';
import { registerSim } from './sim.js';
import { registerGbcs } from './gbcs.js';
import { registerDoctor } from './doctor.js';
import { registerStore } from './store.js';
import { registerDevices } from './devices.js';
import { registerLogs } from './logs.js';
import { registerPin } from './pin.js';
import { registerGpf } from './gpf.js';
import { registerWan } from './wan.js';
import { registerFirmware } from './firmware.js';
import { registerNetwork } from './network.js';
import { registerSelftest } from './selftest.js';
import { registerHeadEnd } from './headend.js';
import { registerKeys } from './keys.js';

/** Every subcommand of `hub`, in the order `hub --help` lists them. */
export function registerCommands(program: Command): void {
  registerStart(program);
  registerSim(program);
  registerGbcs(program);
  registerDoctor(program);
  registerStore(program);
  registerDevices(program);
  registerLogs(program);
  registerPin(program);
  registerGpf(program);
  registerWan(program);
  registerFirmware(program);
  registerNetwork(program);
  registerSelftest(program);
  registerHeadEnd(program);
  registerKeys(program);
}
