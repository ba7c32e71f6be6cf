import { connect } from 'node:net';

/**
 * Run once before the suite: the relay conformance and several WAN tests publish through the
 * mosquitto this machine runs on 127.0.0.1:1883 (tests that stop or reconfigure a broker start
 * their own). Without it they would each fail with a bare ECONNREFUSED; this says what is missing
 * instead, failing the run under CI=true and warning elsewhere.
 */
export const SHARED_BROKER = { host: '127.0.0.1', port: 1883 } as const;

function answers(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export default async function setup(): Promise<void> {
  const { host, port } = SHARED_BROKER;
  if (await answers(host, port)) return;
  const what = `mosquitto is not answering on ${host}:${port}; the relay conformance and WAN tests publish through it (start it: mosquitto -d -c /etc/mosquitto/mosquitto.conf, Debian package mosquitto)`;
  if (process.env['CI'] === 'true') throw new Error(what);
  console.warn(`WARNING: ${what}`);
}
