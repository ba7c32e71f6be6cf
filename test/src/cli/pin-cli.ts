import { PassThrough, Readable } from 'node:stream';
import { Command } from 'commander';
import { ManualClock } from '../../../hal/clock.js';
import { registerPin, type PinCommandIo } from '../../../src/cli/pin.js';

export interface PinRun {
  out: string;
  prompts: string;
}

/** Runs `hub pin ...` in-process with the given lines on standard input (piped, so no prompts). */
export async function runPin(args: string[], lines: string[], clock = new ManualClock()): Promise<PinRun> {
  const output = new PassThrough();
  const prompt = new PassThrough();
  let out = '';
  let prompts = '';
  output.on('data', (chunk) => (out += String(chunk)));
  prompt.on('data', (chunk) => (prompts += String(chunk)));
  const io: PinCommandIo = { input: Readable.from(lines.map((line) => `${line}\n`)), prompt, output, clock };
  const program = new Command('hub').exitOverride().option('-c, --config <file>');
  registerPin(program, io);
  await program.parseAsync(['pin', ...args], { from: 'user' });
  return { out, prompts };
}
