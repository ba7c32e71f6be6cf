import type { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * Every subcommand of `hub`, in the order `hub --help` lists them, each loaded only when needed:
 * `hub start` then never loads what `hub doctor` or `hub headend` need (less memory for the
 * long-running hub, and a quicker start).
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  start: async () => (await import('./start.js')).registerStart,
  sim: async () => (await import('./sim.js')).registerSim,
  gbcs: async () => (await import('./gbcs.js')).registerGbcs,
  doctor: async () => (await import('./doctor.js')).registerDoctor,
  store: async () => (await import('./store.js')).registerStore,
  devices: async () => (await import('./devices.js')).registerDevices,
  pair: async () => (await import('./pair.js')).registerPair,
  logs: async () => (await import('./logs.js')).registerLogs,
  pin: async () => (await import('./pin.js')).registerPin,
  gpf: async () => (await import('./gpf.js')).registerGpf,
  wan: async () => (await import('./wan.js')).registerWan,
  firmware: async () => (await import('./firmware.js')).registerFirmware,
  network: async () => (await import('./network.js')).registerNetwork,
  selftest: async () => (await import('./selftest.js')).registerSelftest,
  headend: async () => (await import('./headend.js')).registerHeadEnd,
  keys: async () => (await import('./keys.js')).registerKeys,
};

/** The program's options that take a value, so the value is not taken for a subcommand's name. */
const VALUED_OPTIONS = new Set(['-c', '--config']);

/** The subcommand argv names, if it is one of ours; undefined for help, a typo or none. */
export function subcommandOf(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (VALUED_OPTIONS.has(token)) i++;
    else if (!token.startsWith('-')) return Object.hasOwn(COMMANDS, token) ? token : undefined;
  }
  return undefined;
}

/** Register `only` (a name from subcommandOf), or every subcommand (help, an unknown name). */
export async function registerCommands(program: Command, only?: string): Promise<void> {
  for (const name of only === undefined ? Object.keys(COMMANDS) : [only]) (await COMMANDS[name]!())(program);
}
