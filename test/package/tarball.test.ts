import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect } from 'vitest';
import { itNeeds } from '../helpers/prerequisites.js';

/**
 * What a user gets from `npm pack`: the tarball installed in an empty folder, with none of this
 * checkout beside it, runs the hub to ready on the simulator and the embedded broker. So the package
 * holds everything the runtime reads (scenarios, board profiles, their schema) where it looks.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const npm = spawnSync('npm', ['--version'], { encoding: 'utf8' });
const npmMissing = npm.error ? 'npm is not on PATH (the package test packs and installs with it)' : undefined;

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result;
}

/** Runs `hub start` until its `hub ready` line (or its exit), then stops it; resolves with its output. */
function startToReady(cli: string, cwd: string, timeoutMs: number): Promise<{ ready: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cli, ['start'], { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const output: string[] = [];
    let ready = false;
    const finish = () => {
      clearTimeout(timer);
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    };
    const timer = setTimeout(finish, timeoutMs);
    createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      if (!ready && line.includes('hub ready')) {
        ready = true;
        finish();
      }
    });
    child.once('exit', () => resolve({ ready, output: output.join('\n') }));
  });
}

describe('the npm package', () => {
  itNeeds(npmMissing)(
    'installs from its tarball into an empty folder and starts the hub to ready',
    async () => {
      // One build at most: a fresh dist/ is reused, and packing does not build again.
      run(process.execPath, ['scripts/build.mjs', '--if-stale'], ROOT);
      const work = await mkdtemp(join(tmpdir(), 'hub-package-'));
      const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT).stdout) as { filename: string }[];
      const app = join(work, 'app');
      await mkdir(app);
      await writeFile(join(app, 'package.json'), '{ "name": "hub-user", "private": true }\n');
      // The dependencies come from npm's cache when `npm ci` has filled it, else from the registry.
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, packed[0]!.filename)], app);

      // The command as a user runs it: npm's link named `hub`, not the file it points at.
      const installed = join(app, 'node_modules', 'gb-comms-hub');
      const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as { bin: { hub: string } };
      expect(manifest.bin.hub).toBe('dist/src/cli.js');
      const cli = join(app, 'node_modules', '.bin', 'hub');
      expect(run(cli, ['--help'], app).stdout).toContain('Usage: hub');

      const started = await startToReady(cli, app, 90_000);
      expect(started.output).not.toContain('SCENARIO_UNREADABLE');
      expect(started.ready, started.output).toBe(true);
      await rm(work, { recursive: true, force: true });
    },
    300_000,
  );
});
