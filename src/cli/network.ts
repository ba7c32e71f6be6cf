import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { fromCoordinatorBackup, NetworkBackupError, toCoordinatorBackup, NetworkIdentity } from '../han/index.js';
import { writeFileAtomic } from '../security/atomic-file.js';
import { openLocalStore } from './local-store.js';

/**
 * `hub network backup|restore`: the kept network identity to and from zigbee2mqtt's coordinator
 * backup JSON. The network key goes only into the file (mode 0600), never to the terminal or argv.
 */
interface StoreOptions {
  store?: string;
  keys?: string;
}

async function withIdentity<T>(program: Command, options: StoreOptions, work: (identity: NetworkIdentity) => Promise<T>): Promise<T> {
  const path = options.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path;
  const { store } = await openLocalStore(path, { ...(options.keys ? { keysDir: options.keys } : {}) });
  try {
    return await work(await NetworkIdentity.open(store));
  } finally {
    await store.close();
  }
}

export async function backupNetwork(identity: NetworkIdentity, file: string, now: Date): Promise<string> {
  const kept = await identity.stored();
  if (!kept) throw new NetworkBackupError('NETWORK_NOT_FORMED', 'the hub has not formed a network yet: start it once first', { where: 'store' });
  const backup = toCoordinatorBackup(kept, 'gb-comms-hub', now);
  await writeFileAtomic(file, `${JSON.stringify(backup, null, 2)}\n`, 0o600);
  return `${file}: network backup written (channel ${kept.channel}, PAN id 0x${kept.panId.toString(16).padStart(4, '0').toUpperCase()}, extended PAN id ${kept.extendedPanId})\n`;
}

export async function restoreNetwork(identity: NetworkIdentity, file: string): Promise<string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new NetworkBackupError('NETWORK_BACKUP_UNREADABLE', `cannot be read as JSON: ${(error as Error).message.split('\n')[0]}`, { where: file });
  }
  const restored = fromCoordinatorBackup(parsed);
  await identity.replace(restored);
  return `${file}: network restored into the store (channel ${restored.channel}, extended PAN id ${restored.extendedPanId}); the hub gives it to the radio when it next starts\n`;
}

export function registerNetwork(program: Command): void {
  const network = program.command('network').description("back up or restore the HAN's identity (PAN ids, channel, network key) as zigbee2mqtt's coordinator backup JSON");
  const storeFlags = (command: Command) => command
    .option('--store <path>', 'the store directory (default: store.path from the config)')
    .option('--keys <dir>', "where keys.json is (default: the store's directory)");
  storeFlags(network.command('backup').description('write the kept network to FILE (mode 0600: it holds the network key)').argument('<file>'))
    .action(async (file: string, options: StoreOptions) => {
      process.stdout.write(await withIdentity(program, options, (identity) => backupNetwork(identity, file, new Date())));
    });
  storeFlags(network.command('restore').description('keep the network in FILE; the next start forms it on the radio').argument('<file>'))
    .action(async (file: string, options: StoreOptions) => {
      process.stdout.write(await withIdentity(program, options, (identity) => restoreNetwork(identity, file)));
    });
}
