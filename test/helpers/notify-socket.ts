import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { commandRuns } from './prerequisites.js';

/**
 * A real $NOTIFY_SOCKET: a unix datagram socket that receives as systemd's does, reading each
 * datagram and dropping any descriptor passed with it (so systemd-notify's barrier completes). Node
 * cannot bind one, and socat keeps the passed descriptors open, so Python's socket module listens and
 * prints each datagram as a JSON string on a line.
 */
export const notifySocketAbsent = commandRuns('python3', ['--version']) ? undefined : 'python3 is not installed (Debian package python3): it listens on the test NOTIFY_SOCKET';

const LISTENER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print('"listening"', flush=True)
while True:
    print(json.dumps(s.recv(4096).decode()), flush=True)
`;

export interface NotifySocket {
  path: string;
  /** Every message received, oldest first, one string per datagram (BARRIER=1 left out). */
  messages: string[];
  /** Resolves once `count` messages equal to `message` have arrived. */
  waitFor(message: string, count?: number): Promise<void>;
  close(): void;
}

export async function listenNotifySocket(): Promise<NotifySocket> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-notify-'));
  const path = join(dir, 'notify.sock');
  const child: ChildProcess = spawn('python3', ['-c', LISTENER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  const waiters: Array<() => void> = [];
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the NOTIFY_SOCKET listener exited (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const message = JSON.parse(line) as string;
      if (message === 'listening') return resolve();
      if (message === 'BARRIER=1') return;
      messages.push(message);
      for (const wake of waiters.splice(0)) wake();
    });
  });
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
      child.removeAllListeners('exit');
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
