import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A pseudo-terminal pair joined by socat: bytes written to one path come out of the other, and both
 * are real serial device paths that `serialport` opens like a UART. Killing socat (`close`) makes
 * both ends vanish, which is how tests unplug a device mid-run.
 */
export interface PtyPair {
  /** One end, e.g. `/dev/pts/3`. */
  readonly a: string;
  /** The other end. */
  readonly b: string;
  /** socat's process id. */
  readonly pid: number;
  /** Kill socat and wait for it to exit. Safe to call more than once. */
  close(): Promise<void>;
}

const live = new Set<ChildProcess>();

// If the worker dies before a test's cleanup runs, no socat may outlive it.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const PTY_LINE = /PTY is (\/dev\/\S+)/;
const READY_LINE = /starting data transfer loop/;

/**
 * Start socat and resolve once it has created both ends and begun relaying. The caller owns the
 * pair and must `close()` it; inside a vitest test prefer `usePtyPair` (test/helpers/pty.ts), which does that for you.
 */
export function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  exited.then(() => live.delete(child));

  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };

  return new Promise<PtyPair>((resolve, reject) => {
    const paths: string[] = [];
    let stderr = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      void close();
      reject(new Error(`socat did not make a pty pair: ${why}\n${stderr}`));
    };
    const timer = setTimeout(() => fail(`no pair within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (err: NodeJS.ErrnoException) => fail(err.code === 'ENOENT' ? 'socat is not installed (Debian package socat)' : err.message));
    const onEarlyExit = (code: number | null, signal: string | null): void =>
      fail(`exited early (code ${code}, signal ${signal})`);
    child.once('exit', onEarlyExit);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr += text;
      for (const line of text.split('\n')) {
        const match = PTY_LINE.exec(line);
        if (match?.[1]) paths.push(match[1]);
        if (READY_LINE.test(line) && paths.length >= 2) {
          clearTimeout(timer);
          child.off('exit', onEarlyExit);
          resolve({ a: paths[0]!, b: paths[1]!, pid: child.pid ?? -1, close });
        }
      }
    });
  });
}
