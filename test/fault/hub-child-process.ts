import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChildLine, ChildOrders } from './hub-state.js';

/**
 * The durability test's handle on one hub child (test/fault/hub-child.ts): spawned through tsx as
 * `hub sim` children are, its stdout read line by line, its stderr kept for the failure message.
 * Every line is kept, so the test can read the whole conversation once the child is dead: 'close'
 * fires only after stdout has been read to its end.
 */
const CHILD = fileURLToPath(new URL('./hub-child.ts', import.meta.url));

export class HubChild {
  readonly lines: ChildLine[] = [];
  tornLines = 0;
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderr = '';
  private readonly waiters = new Set<() => void>();
  private readonly process: ChildProcess;

  /** `env`: the child's environment (a power-cut disk's, for one). */
  constructor(storePath: string, env: NodeJS.ProcessEnv = process.env) {
    this.process = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, storePath], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.process.stderr!.setEncoding('utf8');
    this.process.stderr!.on('data', (text: string) => {
      this.stderr = (this.stderr + text).slice(-4000);
    });
    createInterface({ input: this.process.stdout! }).on('line', (line) => {
      try {
        this.lines.push(JSON.parse(line) as ChildLine);
      } catch {
        // Only the last line can be cut short, by the kill; a line cut short was never acknowledged.
        this.tornLines++;
      }
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => {
      this.process.once('close', (code, signal) => {
        for (const wake of this.waiters) wake();
        resolve({ code, signal });
      });
    });
  }

  get exited(): boolean {
    return this.process.exitCode !== null || this.process.signalCode !== null;
  }

  /** The first line `pick` accepts; fails if the child reports a failure, dies, or takes longer than `timeoutMs`. */
  async first<T>(pick: (line: ChildLine) => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines) {
        if ('event' in line && line.event === 'failed') throw new Error(`hub child failed (${line.code}): ${line.message}\n${this.stderr}`);
        const found = pick(line);
        if (found !== undefined) return found;
      }
      if (this.exited) throw new Error(`hub child exited (${this.process.exitCode ?? this.process.signalCode}) before ${what}\n${this.stderr}`);
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`hub child: no ${what} within ${timeoutMs} ms\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  order(orders: ChildOrders): void {
    this.process.stdin!.write(`${JSON.stringify(orders)}\n`);
  }

  kill(): void {
    if (!this.exited) this.process.kill('SIGKILL');
  }

  get stderrTail(): string {
    return this.stderr;
  }
}
