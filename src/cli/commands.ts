import type { Command } from 'commander';
import { registerStart } from './start.js';
import { registerGbcs } from './gbcs.js';

/** Every subcommand of `hub`, in the order `hub --help` lists them. */
export function registerCommands(program: Command): void {
  registerStart(program);
  registerGbcs(program);
}
