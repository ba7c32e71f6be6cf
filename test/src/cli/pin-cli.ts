import { PassThrough, Readable } from 'node:stream';
import { Command } from 'commander';
import { ManualClock } from '../../../hal/clock.js';
import { registerGpf } from '../../../src/cli/gpf.js';
import { registerPin, type PinCommandIo } from '../../../src/cli/pin.js';

export interface PinRun {
  out: string;
  prompts: string;
}

/** The `hub` command groups that ask for a PIN, by name, with how each registers itself. */
export const PIN_COMMAND_GROUPS = { pin: registerPin, gpf: registerGpf } as const;
export type PinCommandGroup = keyof typeof PIN_COMMAND_GROUPS;

/** Runs `hub <group> ...` in-process with the given lines on standard input (piped, so no prompts). */
export async function runHub(group: PinCommandGroup, args: string[], lines: string[], clock = new ManualClock()): Promise<PinRun> {
  const output = new PassThrough();
  const prompt = new PassThrough();
  let out = '';
  let prompts = '';
  output.on('data', (chunk) => (out += String(chunk)));
  prompt.on('data', (chunk) => (prompts += String(chunk)));
  const io: PinCommandIo = { input: Readable.from(lines.map((line) => `${line}\n`)), prompt, output, clock };
  const program = new Command('hub').exitOverride().option('-c, --config <file>');
  PIN_COMMAND_GROUPS[group](program, io);
  await program.parseAsync([group, ...args], { from: 'user' });
  return { out, prompts };
}

/** Runs `hub pin ...`. */
export function runPin(args: string[], lines: string[], clock = new ManualClock()): Promise<PinRun> {
  return runHub('pin', args, lines, clock);
}
