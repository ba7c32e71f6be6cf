import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect } from 'vitest';
import { cliCommand, startSimProcess } from '../../src/sim-process.js';
import { listenNotifySocket, notifySocketAbsent } from '../helpers/notify-socket.js';
import { commandRuns, itNeeds } from '../helpers/prerequisites.js';

/**
 * `hub start` as systemd's Type=notify service: READY=1 once the hub is ready, WATCHDOG=1 at half
 * the watchdog's period while the radio and the store are well, none while the radio is gone (so
 * systemd would restart it), STOPPING=1 on SIGTERM. systemd's socket is a real unix datagram socket.
 */
const absent = (commandRuns('systemd-notify', ['--help']) ? undefined : 'systemd-notify is not installed (Debian package systemd)') ?? notifySocketAbsent;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function until(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => condition() && (clearInterval(timer), resolve()), 50);
  });
}

describe('hub start under systemd', () => {
  itNeeds(absent)('says ready, feeds the watchdog while its radio is there, starves it when the radio goes, and says it is stopping', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-service-notify-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const socket = await listenNotifySocket();
    cleanups.push(async () => socket.close());
    const sim = await startSimProcess({ args: ['--log-level', 'error'] });
    cleanups.push(() => sim.stop());
    const config = join(dir, 'hub.yaml');
    await writeFile(config, `radio:\n  port: ${sim.radio}\nstore:\n  path: ${join(dir, 'state')}\n`);
    await chmod(config, 0o600);

    const { command, args } = cliCommand();
    const child = spawn(command, [...args, '--config', config, 'start'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '400000' },
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    cleanups.push(async () => (child.exitCode === null ? (child.kill('SIGKILL'), exited) : undefined));
    const log: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => log.push(line));

    await socket.waitFor('READY=1');
    // The log line travels through a pipe, the notification through the socket: either may be read first.
    await until(() => log.some((line) => line.includes('hub ready')));
    expect(socket.messages[0]).toBe('READY=1');
    await socket.waitFor('WATCHDOG=1', 3);

    await sim.stop();
    await until(() => log.some((line) => line.includes('not feeding the service watchdog while the radio is down')));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const fed = socket.messages.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(socket.messages.length).toBe(fed);

    child.kill('SIGTERM');
    await socket.waitFor('STOPPING=1');
    await exited;
    expect(socket.messages.at(-1)).toBe('STOPPING=1');
  }, 120_000);
});
