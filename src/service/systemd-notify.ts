import { execFile } from 'node:child_process';
import type { Logger } from '../../hal/log.js';

/**
 * systemd's service notifications (sd_notify): READY=1 once the hub is up, WATCHDOG=1 while its radio
 * and store are healthy, STOPPING=1 as it stops. The protocol is a datagram on the unix socket in
 * $NOTIFY_SOCKET, which Node cannot send (it has no unix datagram sockets, and the one package that
 * adds them ships no armv7 build), so each goes through `systemd-notify`. That one waits until systemd
 * has read the message (its barrier, systemd 246 and later), so a message is never lost to the child
 * having exited before systemd asked whose it was; the unit says NotifyAccess=all, as the sender is a
 * child. A hub that hangs sends nothing, so the watchdog still catches it.
 */
export type ServiceState = 'READY=1' | 'STOPPING=1' | 'WATCHDOG=1';

export interface ServiceNotifier {
  notify(state: ServiceState): Promise<void>;
  /** How often to feed the watchdog (half its period), when systemd runs one for this process. */
  readonly watchdogIntervalMs: number | undefined;
}

export interface Health {
  radio: boolean;
  store: boolean;
}

/** The notifier systemd asked for through the environment; undefined when the hub is not its service. */
export function serviceNotifier(env: NodeJS.ProcessEnv = process.env, command = 'systemd-notify'): ServiceNotifier | undefined {
  const socket = env['NOTIFY_SOCKET'];
  if (!socket) return undefined;
  const usec = Number(env['WATCHDOG_USEC']);
  const forUs = env['WATCHDOG_PID'] === undefined || Number(env['WATCHDOG_PID']) === process.pid;
  const watchdogIntervalMs = Number.isSafeInteger(usec) && usec > 0 && forUs ? Math.max(1, Math.floor(usec / 2000)) : undefined;
  return {
    watchdogIntervalMs,
    notify: (state) =>
      new Promise((resolve, reject) => {
        execFile(command, [state], { env: { ...env, NOTIFY_SOCKET: socket }, timeout: 10_000 }, (error, _stdout, stderr) => {
          if (error) reject(new Error(`${command} ${state}: ${stderr.trim() || error.message}`));
          else resolve();
        });
      }),
  };
}

/**
 * Feeds the watchdog every interval while `health` says the radio and the store are both well; a hub
 * whose radio or store stays down past the watchdog's period is restarted by systemd. Each change
 * between fed and not fed is logged once, naming what is down.
 */
export function feedWatchdog(notifier: ServiceNotifier, health: () => Health, logger: Logger): () => void {
  const interval = notifier.watchdogIntervalMs;
  if (interval === undefined) return () => undefined;
  let starving: string | undefined;
  const tick = () => {
    const now = health();
    const down = (Object.keys(now) as Array<keyof Health>).filter((part) => !now[part]);
    if (down.length > 0) {
      const why = down.join(' and ');
      if (starving !== why) logger.error({ down }, `not feeding the service watchdog while the ${why} ${down.length > 1 ? 'are' : 'is'} down: systemd restarts the hub if it stays so`);
      starving = why;
      return;
    }
    if (starving !== undefined) logger.info('radio and store healthy again: feeding the service watchdog');
    starving = undefined;
    notifier.notify('WATCHDOG=1').catch((error: unknown) => logger.warn({ err: error }, 'could not feed the service watchdog'));
  };
  const timer = setInterval(tick, interval);
  tick();
  return () => clearInterval(timer);
}
