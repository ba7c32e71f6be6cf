import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A TypeScript script running in its own Node process (through tsx), with its stdout as lines. */
export interface Child {
  process: ChildProcess;
  /** Every complete line printed so far. */
  lines: string[];
  /** Resolves once a line satisfying `test` has been printed. */
  waitFor(test: (line: string) => boolean): Promise<void>;
  /** SIGKILL, and resolve once the process is gone and every line it printed has been read. */
  kill(): Promise<void>;
  exited: Promise<{ code: number | null; stderr: string }>;
}

export function runScript(script: string, args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(script), ...args], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: Array<{ test: (line: string) => boolean; resolve: () => void }> = [];
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  return {
    process: child,
    lines,
    exited,
    waitFor: (test) =>
      new Promise<void>((resolve, reject) => {
        if (lines.some(test)) return resolve();
        waiters.push({ test, resolve });
        void exited.then(({ code, stderr: err }) => reject(new Error(`child exited (${code}) before the expected line: ${err}`)));
      }),
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
