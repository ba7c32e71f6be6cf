import type { Command } from 'commander';
import { SystemClock } from '../../hal/clock.js';
import { HubError } from '../../hal/errors.js';
import { loadConfig } from '../config.js';
import { GasProxyData } from '../gpf/index.js';
import { HUB_EVENTS, openHubLogs } from '../logs/index.js';
import { PIN_ATTEMPT_POLICY } from '../security/pin-attempts.js';
import { PinStore } from '../security/pin-store.js';
import { openLocalStore } from './local-store.js';
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

const CHANNEL = 'cli';

interface StoreOptions {
  store?: string;
  keys?: string;
}

async function storePath(program: Command, options: StoreOptions): Promise<string> {
  return options.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path;
}

async function withGpf<T>(program: Command, options: StoreOptions, io: PinCommandIo, run: (parts: { gpf: GasProxyData; pins: PinStore; record: (code: number, detail: Record<string, string | boolean>) => Promise<void> }) => Promise<T>): Promise<T> {
  const path = await storePath(program, options);
  const { store, secureElement } = await openLocalStore(path, { keysDir: options.keys ?? path });
  try {
    const logs = await openHubLogs(store, io.clock);
    const pins = await PinStore.open(store, { clock: io.clock, securityLog: logs.securityLog, identifiers: async () => secureElement.owners() });
    return await run({ gpf: await GasProxyData.open(store), pins, record: (code, detail) => logs.securityLog.record(code, detail) });
  } finally {
    await store.close();
  }
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
    await withGpf(program, options, io, async ({ gpf: data, pins, record }) => {
      const verdict = await pins.verify('engineering', await typedPin(io), CHANNEL);
      if (!verdict.ok) {
        // A wrong PIN and a lockout are already in the Security Log, recorded by the PIN store.
        if (verdict.why === 'notSet') await record(HUB_EVENTS.sourceLacksAuthority.code, { action: 'restrictData', channel: CHANNEL, why: 'no engineering PIN is set' });
        const why = verdict.why === 'notSet' ? 'no engineering PIN is set (hub pin set)' : verdict.retryAfterMs > 0 ? `PIN entry is locked after ${PIN_ATTEMPT_POLICY.freeFailures} wrong PINs: try again in ${Math.ceil(verdict.retryAfterMs / 1000)} s` : 'wrong PIN';
        throw new GpfCommandError('NO_AUTHORITY', `Restrict Data unchanged: ${why}`, { where: 'engineering PIN' });
      }
      if ((await data.restrictData()) === restricted) {
        io.output.write(`Restrict Data was already ${state}\n`);
        return;
      }
      await data.setRestrictData(restricted);
      await record(HUB_EVENTS.restrictDataChanged.code, { restricted, channel: CHANNEL });
      io.output.write(`Restrict Data ${describeFlag(restricted)}\n`);
    });
  });

  storeOptions(gpf.command('status').description('show Restrict Data and the change-of-tenancy date'))
    .option('--json', 'print JSON')
    .action(async (options: StoreOptions & { json?: boolean }) => {
      const io = ioNow();
      await withGpf(program, options, io, async ({ gpf: data }) => {
        const restricted = await data.restrictData();
        const tenancy = await data.changeOfTenancy();
        const changeOfTenancy = tenancy === undefined ? null : new Date(tenancy).toISOString();
        io.output.write(
          options.json
            ? `${JSON.stringify({ restrictData: restricted, changeOfTenancy }, null, 2)}\n`
            : `Restrict Data: ${describeFlag(restricted)}\nchange of tenancy: ${changeOfTenancy ?? 'not set'}\n`,
        );
      });
    });
}
