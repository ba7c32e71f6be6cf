import type { Command } from 'commander';
import { SystemClock } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { loadConfig } from '../config.js';
import { invoke, type InvokeOptions, gpfRestrict, gpfStatus } from '../control/index.js';
import type { PinCommandIo } from './pin.js';
import { secretInput } from './pin-input.js';

/**
 * `hub gpf restrict on|off` and `hub gpf status`: the GPF's Restrict Data flag, which withholds the
 * gas consumption, tariff and prepayment data from every householder view (suppliers and network
 * operators are unaffected). GBCS has no use case that carries it, so it is a local operator's
 * setting, with the engineering PIN as the authority: typed at a prompt (or piped), checked with the
 * PIN store's attempt rules, and every change or refusal goes to the Security Log.
 */
export class GpfCommandError extends HubError {}

interface StoreOptions {
  store?: string;
  keys?: string;
}

async function target(program: Command, options: StoreOptions, io: PinCommandIo): Promise<InvokeOptions> {
  const storePath = options.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path;
  return { storePath, keysDir: options.keys ?? storePath, clock: io.clock };
}

async function typedPin(io: PinCommandIo): Promise<string> {
  const input = secretInput(io.input, io.prompt);
  try {
    return await input.read('Engineering PIN: ');
  } finally {
    input.close();
  }
}

function describeFlag(restricted: boolean): string {
  return restricted ? 'on: householder views show no consumption, tariff or prepayment data' : 'off';
}

export function registerGpf(program: Command, given?: PinCommandIo): void {
  const ioNow = (): PinCommandIo => given ?? { input: process.stdin, prompt: process.stderr, output: process.stdout, clock: new SystemClock() };
  const gpf = program.command('gpf').description("the GPF's householder settings: Restrict Data, and the change-of-tenancy date");
  const storeOptions = (command: Command) =>
    command.option('--store <path>', 'the store directory (default: store.path from the config)').option('--keys <dir>', 'the directory with keys.json (default: the store directory)');

  storeOptions(gpf.command('restrict').description('set (on) or clear (off) Restrict Data; asks for the engineering PIN').argument('<state>', 'on or off')).action(async (state: string, options: StoreOptions) => {
    if (state !== 'on' && state !== 'off') throw new GpfCommandError('BAD_STATE', `"${state}" is neither on nor off`, { where: 'state' });
    const restricted = state === 'on';
    const io = ioNow();
    const at = await target(program, options, io);
    const { changed } = await invoke(gpfRestrict, { restricted, pin: await typedPin(io) }, at);
    io.output.write(changed ? `Restrict Data ${describeFlag(restricted)}\n` : `Restrict Data was already ${state}\n`);
  });

  storeOptions(gpf.command('status').description('show Restrict Data and the change-of-tenancy date'))
    .option('--json', 'print JSON')
    .action(async (options: StoreOptions & { json?: boolean }) => {
      const io = ioNow();
      const { restrictData: restricted, changeOfTenancy } = await invoke(gpfStatus, {}, await target(program, options, io));
      io.output.write(
        options.json
          ? `${JSON.stringify({ restrictData: restricted, changeOfTenancy }, null, 2)}\n`
          : `Restrict Data: ${describeFlag(restricted)}\nchange of tenancy: ${changeOfTenancy ?? 'not set'}\n`,
      );
    });
}
