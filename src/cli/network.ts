import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { invoke, type InvokeOptions, networkBackup, networkRestore } from '../control/index.js';
import { NetworkBackupError } from '../han/index.js';
import { writeFileAtomic } from '../security/atomic-file.js';

/**
 * `hub network backup|restore`: the kept network identity to and from zigbee2mqtt's coordinator
 * backup JSON, through the running hub or the store. The network key goes only into the file
 * (mode 0600), never to the terminal or argv.
 */
interface StoreOptions {
  store?: string;
  keys?: string;
}

async function target(program: Command, options: StoreOptions): Promise<InvokeOptions> {
  const storePath = options.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path;
  return { storePath, ...(options.keys ? { keysDir: options.keys } : {}) };
}

export async function backupNetwork(at: InvokeOptions, file: string): Promise<string> {
  const backup = await invoke(networkBackup, {}, at);
  await writeFileAtomic(file, `${JSON.stringify(backup, null, 2)}\n`, 0o600);
  return `${file}: network backup written (channel ${backup.channel}, PAN id 0x${backup.pan_id.toUpperCase()}, extended PAN id ${backup.extended_pan_id.toUpperCase()})\n`;
}

export async function restoreNetwork(at: InvokeOptions, file: string): Promise<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new NetworkBackupError('NETWORK_BACKUP_UNREADABLE', `cannot be read as JSON: ${(error as Error).message.split('\n')[0]}`, { where: file });
  }
  const restored = await invoke(networkRestore, { backup: parsed }, at);
  return `${file}: network restored into the store (channel ${restored.channel}, extended PAN id ${restored.extendedPanId}); the hub gives it to the radio when it next starts\n`;
}

export function registerNetwork(program: Command): void {
  const network = program.command('network').description("back up or restore the HAN's identity (PAN ids, channel, network key) as zigbee2mqtt's coordinator backup JSON");
  const storeFlags = (command: Command) => command
    .option('--store <path>', 'the store directory (default: store.path from the config)')
    .option('--keys <dir>', "where keys.json is (default: the store's directory)");
  storeFlags(network.command('backup').description('write the kept network to FILE (mode 0600: it holds the network key)').argument('<file>'))
    .action(async (file: string, options: StoreOptions) => {
      process.stdout.write(await backupNetwork(await target(program, options), file));
    });
  storeFlags(network.command('restore').description('keep the network in FILE; the next start forms it on the radio').argument('<file>'))
    .action(async (file: string, options: StoreOptions) => {
      process.stdout.write(await restoreNetwork(await target(program, options), file));
    });
}
