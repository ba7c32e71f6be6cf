import { createInterface } from 'node:readline';
import { GasProxyData } from '../../src/gpf/index.js';
import { FileSecureElement } from '../../src/security/file-secure-element.js';
import { openStore } from '../../src/store/index.js';

/**
 * The process test/fault/retention-kill.test.ts kills: it opens the GPF's store, says `ready`,
 * waits for a line on stdin, runs one retention purge as at `now`, says `done` and exits.
 * Usage: retention-child.ts <store dir> <now, UTC ms>.
 */
const [storePath, nowText] = process.argv.slice(2);

async function main(): Promise<void> {
  if (!storePath || !nowText) throw new Error('usage: retention-child.ts <store dir> <now ms>');
  const store = await openStore({ path: storePath, secureElement: await FileSecureElement.open({ stateDir: storePath }) });
  const gpf = await GasProxyData.open(store);
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
  await gpf.purgeExpired(Number(nowText));
  process.stdout.write('done\n');
  await store.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
