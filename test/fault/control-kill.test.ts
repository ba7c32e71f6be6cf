import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect } from 'vitest';
import { ControlClient } from '../../src/control/client.js';
import { withLocalContext } from '../../src/control/local-context.js';
import { cliCommand } from '../../src/sim-process.js';
import { PowerCutDisk, powerCutUnavailable } from '../helpers/power-cut/power-cut.js';
import { itNeeds } from '../helpers/prerequisites.js';

/**
 * A change the running hub acknowledged over its control socket survives SIGKILL and a power cut
 * straight after the acknowledgement: the reply is sent only once the store has synced it.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const DEVICES = Array.from({ length: 8 }, (_, i) => `00DB1234567890C${i}`);

describe('the control socket and a power cut', () => {
  itNeeds(powerCutUnavailable())('keeps every Device Log change it acknowledged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-control-kill-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const disk = await PowerCutDisk.create(dir, 'state');
    const config = join(dir, 'hub.yaml');
    await writeFile(config, `store:\n  path: ${disk.live}\n`, { mode: 0o600 });
    const { command, args } = cliCommand();
    // Its own process group, so the kill takes the simulator child with it, as a power cut would.
    const hub = spawn(command, [...args, '--config', config, 'start'], { stdio: ['ignore', 'pipe', 'inherit'], env: disk.env, detached: true });
    const exited = new Promise<void>((resolve) => hub.once('exit', () => resolve()));
    cleanups.push(async () => {
      if (hub.exitCode === null) process.kill(-hub.pid!, 'SIGKILL');
      await exited;
    });
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: hub.stdout! }).on('line', (line) => {
        if ((JSON.parse(line) as { msg: string }).msg === 'hub ready') resolve();
      });
      void exited.then(() => reject(new Error('hub start exited before it was ready')));
    });

    const client = (await ControlClient.connect(disk.live))!;
    for (const eui64 of DEVICES) await client.request('devices.add', { eui64, deviceType: 'GPF' });
    // The moment the last acknowledgement is in: no chance for the page cache to be written back.
    process.kill(-hub.pid!, 'SIGKILL');
    await exited;
    await client.close().catch(() => undefined);
    await disk.cut();

    const listed = await withLocalContext({ storePath: disk.live, sealed: true, creating: false }, async (context) => (await context.deviceLog()).list().map((d) => d.eui64));
    expect(listed).toEqual(expect.arrayContaining(DEVICES));
  }, 180_000);
});
