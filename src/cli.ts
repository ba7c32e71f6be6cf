#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { HubError } from '../hal/errors.js';
import { registerCommands, subcommandOf } from './cli/index.js';

/**
 * The `hub` command. Each subcommand lives in its own module under `src/cli/`; this file only
 * assembles them (only the one asked for, when it is named) and turns errors into messages a
 * person can act on.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command('hub')
    .description('GB smart-metering Communications Hub runtime (CHF and GPF)')
    .option('-c, --config <file>', 'YAML configuration file (defaults: simulated radio, embedded broker)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  await registerCommands(program, only);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(subcommandOf(argv));
  try {
    await program.parseAsync(argv, { from: 'user' });
    // An action may set its own status (`hub pair watch` says how a join ended).
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help or the usage problem.
      return error.exitCode;
    }
    if (error instanceof HubError) {
      process.stderr.write(`hub: ${error.message} [${error.code}]\n`);
      return 2;
    }
    process.stderr.write(`hub: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

/**
 * Whether Node was started on this file, under whatever name: npm installs the `hub` bin as a
 * link named `hub` (and a service may use another), so only the resolved paths can be compared.
 */
function invokedAsProgram(script: string | undefined): boolean {
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedAsProgram(process.argv[1])) {
  // `hub devices list | head` closes our stdout early; that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`hub: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
