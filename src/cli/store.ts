import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { FileSecureElement, KEY_FILE_NAME } from '../security/file-secure-element.js';
import { openStore, repairStore, StoreError } from '../store/index.js';
import { ControlClient, ControlError, askRunningHub, openLocalStore, storeCheck, type StoreCheck } from '../control/index.js';

/** `hub store`: look after the hub's LevelDB directory when it reports damage. */
export function registerStore(program: Command): void {
  const store = program.command('store').description("check or repair the hub's state database");

  store
    .command('check')
    .description('open a copy of the database and report its schema version or the damage found (changes nothing)')
    .option('--store <path>', 'the state directory (default: store.path from the config)')
    .option('--acknowledge', 'forget recorded losses once you have dealt with them (re-commissioned, restored)')
    .option('--keys <dir>', 'where keys.json is (default: the store directory); with it, sealed records are checked too')
    .action(async (options: { store?: string; acknowledge?: boolean; keys?: string }) => {
      const path = options.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path;
      // Opening creates a missing database; a check must not turn a mistyped path into an empty store.
      if (!existsSync(path)) throw new StoreError('STORE_OPEN_FAILED', 'no database here', { where: path });
      const live = await askRunningHub<StoreCheck>(path, storeCheck.name, options.acknowledge ? { acknowledge: true } : {});
      const { problems, schemaVersion: checked } = live?.result ?? (await checkCopy(path, options.keys ?? path));
      let schemaVersion: number | undefined;
      if (options.acknowledge && !live) {
        const opened = await openStore({ path });
        await opened.acknowledgeRecoveryProblems();
        schemaVersion = opened.schemaVersion;
        await opened.close();
      }
      if (options.acknowledge && problems.length > 0) {
        process.stdout.write(`${path}: ${problems.length} recorded loss(es) acknowledged\n`);
        return;
      }
      if (problems.length > 0) {
        throw new StoreError('STORE_RECOVERED_WITH_LOSS', `damaged records found or dropped, so recent writes may be lost: ${problems.join('; ')}`, { where: path });
      }
      process.stdout.write(`${path}: opens cleanly, schema version ${schemaVersion ?? checked}\n`);
    });

  store
    .command('repair')
    .description('rebuild a damaged database in place; stop the hub and copy the directory aside first')
    .option('--store <path>', 'the state directory (default: store.path from the config)')
    .argument('[path]', 'the state directory (same as --store)')
    .option('--drop-unreadable', 'also delete records changed on disk (a checksum or a seal that no longer matches), recording the loss')
    .option('--keys <dir>', 'where keys.json is, for --drop-unreadable (default: the store directory)')
    .action(async (path: string | undefined, options: { store?: string; dropUnreadable?: boolean; keys?: string }) => {
      const location = path ?? options.store ?? (await loadConfig(program.opts<{ config?: string }>().config)).store.path;
      // A repair rebuilds the database's files, which the running hub has open: the one command that needs it stopped.
      const client = await ControlClient.connect(location);
      if (client) {
        await client.close();
        throw new ControlError('HUB_RUNNING', 'the hub is running on this store; a repair rebuilds its files, so stop the hub first (e.g. `sudo systemctl stop hub`)', { where: location });
      }
      await repairStore(location);
      if (options.dropUnreadable) {
        const { store: opened } = await openLocalStore(location, { ...(options.keys ? { keysDir: options.keys } : {}) });
        try {
          const dropped = await opened.sweepUnreadable({ drop: true });
          for (const { domain, records, sealed } of dropped) process.stdout.write(`${location}: dropped ${records} damaged ${sealed ? 'sealed ' : ''}record(s) from ${domain}\n`);
        } finally {
          await opened.close();
        }
      }
      process.stdout.write(`${location}: repaired; run "hub store check --store ${location}" to confirm\n`);
    });
}

/**
 * Open a copy, so the check changes nothing: opening replays LevelDB's write-ahead log into a new
 * table and drops what is damaged, which would destroy the evidence a repair or a person needs.
 */
async function checkCopy(path: string, keysDir: string): Promise<{ problems: readonly string[]; schemaVersion: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-store-check-'));
  const copy = join(dir, basename(path));
  try {
    await cp(path, copy, { recursive: true, filter: (source) => basename(source) !== 'LOCK' });
    // With the key file at hand, sealed records are checked too (a changed one stops the hub at start).
    const secureElement = existsSync(join(keysDir, KEY_FILE_NAME)) ? await FileSecureElement.open({ stateDir: keysDir }) : undefined;
    const opened = await openStore({ path: copy, ...(secureElement ? { secureElement } : {}) });
    try {
      const unreadable = await opened.sweepUnreadable({ drop: false });
      const damaged = unreadable.map(
        ({ domain, records, sealed }) => `${records} ${sealed ? 'sealed record(s)' : 'record(s)'} in ${domain} no longer open (changed on disk); run: hub store repair --drop-unreadable ${JSON.stringify(path)}`,
      );
      return { problems: [...opened.recoveryProblems, ...damaged], schemaVersion: opened.schemaVersion };
    } finally {
      await opened.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
