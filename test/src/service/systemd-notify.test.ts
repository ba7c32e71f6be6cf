import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../hal/log.js';
import { silentLogger } from '../../../hal/log.js';
import { feedWatchdog, serviceNotifier, type Health } from '../../../src/service/systemd-notify.js';
import { listenNotifySocket, notifySocketAbsent, type NotifySocket } from '../../helpers/notify-socket.js';
import { commandRuns, itNeeds } from '../../helpers/prerequisites.js';

/** sd_notify through systemd-notify, received by a real unix datagram socket as systemd receives it. */
const absent = (commandRuns('systemd-notify', ['--help']) ? undefined : 'systemd-notify is not installed (Debian package systemd)') ?? notifySocketAbsent;

const sockets: NotifySocket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

async function open(): Promise<NotifySocket> {
  const socket = await listenNotifySocket();
  sockets.push(socket);
  return socket;
}

function recordingLogger(lines: string[]): Logger {
  const record = (_fields: unknown, message?: string) => void lines.push(message ?? String(_fields));
  return { ...silentLogger, error: record, info: record, warn: record, child: () => recordingLogger(lines) } as Logger;
}

describe('service notifications', () => {
  it('are off when systemd gave no socket, and the watchdog is not ours when WATCHDOG_PID names another process', () => {
    expect(serviceNotifier({})).toBeUndefined();
    expect(serviceNotifier({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '30000000', WATCHDOG_PID: String(process.pid + 1) })?.watchdogIntervalMs).toBeUndefined();
    expect(serviceNotifier({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '30000000', WATCHDOG_PID: String(process.pid) })?.watchdogIntervalMs).toBe(15_000);
    expect(serviceNotifier({ NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: 'soon' })?.watchdogIntervalMs).toBeUndefined();
  });

  itNeeds(absent)('arrive on the socket in order, each read before systemd-notify returns', async () => {
    const socket = await open();
    const notifier = serviceNotifier({ ...process.env, NOTIFY_SOCKET: socket.path })!;
    for (const state of ['READY=1', 'WATCHDOG=1', 'STOPPING=1'] as const) await notifier.notify(state);
    expect(socket.messages).toEqual(['READY=1', 'WATCHDOG=1', 'STOPPING=1']);
  });

  itNeeds(absent)('fail with systemd-notify\'s own words when nobody listens', async () => {
    const notifier = serviceNotifier({ ...process.env, NOTIFY_SOCKET: '/nonexistent/notify.sock' })!;
    await expect(notifier.notify('READY=1')).rejects.toThrow(/systemd-notify READY=1/);
  });

  itNeeds(absent)('feed the watchdog only while the radio and the store are both healthy, saying which is down', async () => {
    const socket = await open();
    const notifier = serviceNotifier({ ...process.env, NOTIFY_SOCKET: socket.path, WATCHDOG_USEC: '100000' })!;
    const health: Health = { radio: true, store: true };
    const lines: string[] = [];
    const stop = feedWatchdog(notifier, () => ({ ...health }), recordingLogger(lines));
    try {
      await socket.waitFor('WATCHDOG=1', 3);
      health.radio = false;
      // Pings already on their way when the radio went down may still land; then none may.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const fedWhileDown = socket.messages.length;
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(socket.messages.length).toBe(fedWhileDown);
      expect(lines.filter((line) => line.includes('not feeding the service watchdog while the radio is down'))).toHaveLength(1);
      health.store = false;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(lines.some((line) => line.includes('while the radio and store are down'))).toBe(true);
      Object.assign(health, { radio: true, store: true });
      await socket.waitFor('WATCHDOG=1', fedWhileDown + 2);
      expect(lines).toContain('radio and store healthy again: feeding the service watchdog');
    } finally {
      stop();
    }
  }, 30_000);
});
