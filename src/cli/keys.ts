import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { FileSecureElement, KEY_FILE_NAME } from '../security/file-secure-element.js';
import { prepareStoreDir } from './start-checks.js';

/**
 * `hub keys init`: the hub's key file (keys.json, 0600, in the store directory) with a data key of
 * its own, made where it runs — what a board's first boot does, so no card image carries keys. The
 * CHF's and GPF's key pairs are added at the hub's first start, once the radio names the CHF.
 */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description("the hub's own keys");
  keys
    .command('init')
    .description('make the key file in the store directory if it has none (a board runs this at its first boot); never prints a key')
    .action(async () => {
      const config = await loadConfig(program.opts<{ config?: string }>().config);
      await prepareStoreDir(config);
      const dir = resolve(config.store.path);
      const existed = existsSync(join(dir, KEY_FILE_NAME));
      await FileSecureElement.open({ stateDir: dir });
      process.stdout.write(existed ? `keys already made in ${dir}\n` : `keys made in ${dir}\n`);
    });
}
