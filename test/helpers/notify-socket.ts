import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DgramSocket } from 'node-unix-socket';

/**
 * A real $NOTIFY_SOCKET: a unix datagram socket that receives as systemd's does (it reads each
 * datagram and drops any descriptors passed with it, so systemd-notify's barrier completes).
 */
export interface NotifySocket {
  path: string;
  /** Every message received, oldest first, one string per datagram (BARRIER=1 left out). */
  messages: string[];
  /** Resolves once `count` messages equal to `message` have arrived. */
  waitFor(message: string, count?: number): Promise<void>;
  close(): void;
}

export function listenNotifySocket(): NotifySocket {
  const dir = mkdtempSync(join(tmpdir(), 'hub-notify-'));
  const path = join(dir, 'notify.sock');
  const socket = new DgramSocket();
  const messages: string[] = [];
  const waiters: Array<() => void> = [];
  socket.on('data', (data: Buffer) => {
    const message = data.toString('utf8');
    if (message === 'BARRIER=1') return;
    messages.push(message);
    for (const wake of waiters.splice(0)) wake();
  });
  socket.bind(path);
  const waitFor = (message: string, count = 1): Promise<void> =>
    new Promise((resolve) => {
      const check = () => {
        if (messages.filter((m) => m === message).length >= count) resolve();
        else waiters.push(check);
      };
      check();
    });
  return {
    path,
    messages,
    waitFor,
    close: () => {
      socket.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
