import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface SimProcess {
  child: ChildProcess;
  /** The JSON line `hub sim` printed on start. */
  listening: { event: string; radio: string; control: string; controlTokenFile: string; seed: number; ezspVersion: number };
  stderr: () => string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Start `hub sim` as a child process and wait for its one line of JSON. */
export function startSimProcess(args: string[], timeoutMs = 20_000, stdin: 'ignore' | 'pipe' = 'ignore'): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'sim', ...args], { cwd: ROOT, stdio: [stdin, 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`hub sim printed nothing within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`hub sim exited with ${code} before listening\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, listening: JSON.parse(line) as SimProcess['listening'], stderr: () => stderr, stop });
    });
  });
}
