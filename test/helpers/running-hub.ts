import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { withInstallCodeCrc } from '../../hal/install-code.js';
import { cliCommand, connectSimControl } from '../../src/sim-process.js';

/**
 * `hub start` as its own process (the simulator and an embedded broker beside it), with a config and
 * a scenario the test writes, as an installer's hub runs; and `hub …` commands run against it, each a
 * process of its own, as a person types them.
 */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunningHub {
  dir: string;
  storePath: string;
  /** Everything the hub printed so far. */
  log(): string;
  /** The installer page's address, when the config enables it. */
  pageUrl: string | undefined;
  /** `hub -c <config> …args`, with `stdin` piped in. */
  run(args: string[], stdin?: string): Promise<CliRun>;
  /** A request to the simulator's control port (sendGbcs, devices...). */
  sim(op: string, fields?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** SIGTERM, then the files go unless `keepFiles` (a test reads the store after); `remove` clears them later. */
  stop(keepFiles?: boolean): Promise<void>;
  remove(): Promise<void>;
}

/** A fresh install code with its CRC, as hex. */
export const freshInstallCode = () => withInstallCodeCrc(randomBytes(16)).toString('hex').toUpperCase();

export async function startRunningHub(options: { config: string; scenario: string; name: string }): Promise<RunningHub> {
  const dir = await mkdtemp(join(tmpdir(), `hub-${options.name}-`));
  const storePath = join(dir, 'state');
  const scenarioPath = join(dir, 'scenario.yaml');
  const configPath = join(dir, 'hub.yaml');
  await writeFile(scenarioPath, options.scenario);
  await writeFile(configPath, `store:\n  path: ${storePath}\nsim:\n  scenario: ${scenarioPath}\nlog:\n  level: info\n${options.config}`);
  await chmod(configPath, 0o600);
  const { command, args } = cliCommand();
  const child = spawn(command, [...args, '-c', configPath, 'start'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let log = '';
  let control = '';
  let controlTokenFile = '';
  let pageUrl: string | undefined;
  child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      log += `${line}\n`;
      control ||= /"control":"(tcp:\/\/[^"]+)"/.exec(line)?.[1] ?? '';
      controlTokenFile ||= /"controlTokenFile":"([^"]+)"/.exec(line)?.[1] ?? '';
      if (line.includes('installer page listening')) pageUrl = /"url":"(https?:\/\/[^"]+)"/.exec(line)?.[1];
      if (line.includes('"hub ready"')) resolve();
    });
    void exited.then((code) => reject(new Error(`hub start exited (${String(code)}):\n${log}`)));
  });
  const run = (more: string[], stdin?: string): Promise<CliRun> => {
    const cli = spawn(command, [...args, '-c', configPath, ...more], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    cli.stdin.end(stdin ?? '');
    return new Promise((resolve) => cli.once('exit', (code) => resolve({ code, stdout, stderr })));
  };
  return {
    dir,
    storePath,
    log: () => log,
    pageUrl,
    run,
    sim: (op, fields = {}) => simRequest(control, controlTokenFile, op, fields),
    stop: async (keepFiles = false) => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      if (!keepFiles) await rm(dir, { recursive: true, force: true });
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** One request to the simulator's control port, authenticated with the token the hub's log names, as any client must. */
async function simRequest(url: string, tokenFile: string, op: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (!url || !tokenFile) throw new Error(`no simulator control address or token file in the hub's log (${url})`);
  const connection = await connectSimControl(url, tokenFile);
  try {
    return await connection.request<Record<string, unknown>>(op, fields);
  } finally {
    connection.close();
  }
}
