import { spawnSync } from 'node:child_process';
import { FlashError } from './errors.js';

/** Runs a command to its end; a failure names the command and carries its own words. */
export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: Buffer } = {}): string {
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, input: options.input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new FlashError('COMMAND_MISSING', `could not run ${command}: ${result.error.message}`, { where: command });
  if (result.status !== 0) throw new FlashError('COMMAND_FAILED', `${command} ${args.join(' ')} exited ${result.status}: ${(result.stderr || result.stdout).trim().slice(-2000)}`, { where: command });
  return result.stdout;
}
