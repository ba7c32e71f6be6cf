import { spawn, type ChildProcess } from 'node:child_process';
import { cliCommand } from '../../src/sim-process.js';

/**
 * The `hub` command run as a person runs it, every byte it writes kept. `hub start` runs in its own
 * process group, so the SIGKILL variant takes its simulator child down with it, as a power cut
 * would; nothing is left running.
 */
export interface HubProcess {
  /** Everything written to stdout and stderr so far (the simulator child's stderr included). */
  output(): Buffer;
  /** Resolves once the output holds `text` at least `times` times; rejects if the process exits first. */
  wrote(text: string, times?: number, timeoutMs?: number): Promise<void>;
  /** SIGTERM, as systemd stops it; resolves to the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL to the whole process group. */
  kill(): Promise<void>;
}

function keepOutput(child: ChildProcess): { chunks: Buffer[]; exited: Promise<number | null> } {
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => chunks.push(chunk));
  // 'close' rather than 'exit': every byte of both streams has arrived by then.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { chunks, exited };
}

export function startHubProcess(configPath: string): HubProcess {
  const { command, args } = cliCommand();
  const child = spawn(command, [...args, '--config', configPath, 'start'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const { chunks, exited } = keepOutput(child);
  let running = true;
  void exited.then(() => (running = false));
  const output = () => Buffer.concat(chunks);
  return {
    output,
    async wrote(text, times = 1, timeoutMs = 45_000) {
      const seen = () => output().toString('utf8').split(text).length > times;
      const deadline = Date.now() + timeoutMs;
      while (!seen()) {
        if (!running) throw new Error(`hub start exited before writing ${text}:\n${output().toString('utf8')}`);
        if (Date.now() > deadline) throw new Error(`hub start did not write ${text} within ${timeoutMs} ms:\n${output().toString('utf8')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (running && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      await exited;
    },
  };
}

export interface CliRun {
  code: number | null;
  output: Buffer;
  stderr: string;
}

/** One `hub` subcommand to its end, with `stdin` piped in (a PIN is never an argument). */
export async function runCli(args: readonly string[], stdin = ''): Promise<CliRun> {
  const { command, args: base } = cliCommand();
  const child = spawn(command, [...base, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const { chunks, exited } = keepOutput(child);
  child.stdin!.end(stdin);
  const code = await exited;
  return { code, output: Buffer.concat(chunks), stderr };
}
