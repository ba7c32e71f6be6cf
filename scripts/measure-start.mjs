// `node scripts/measure-start.mjs [runs] [-- command...]`: what the README's start figures come from. Runs
// `npm start` (the compiled hub, simulator and embedded broker) in this checkout, with its default
// store `./data`, `runs` times (default 3); for each prints the seconds from launch to the `hub ready`
// line and, after 5 s idle, the resident memory of every process in its tree (VmRSS from /proc,
// summed: shared pages counted in each process, so an upper bound). Linux only.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const runs = Number(process.argv[2] ?? 3);
/** `--` then another command to measure the same way, e.g. `-- node dist/src/cli.js start`. */
const dash = process.argv.indexOf('--');
const [command, ...args] = dash >= 0 ? process.argv.slice(dash + 1) : ['npm', 'start'];

function children() {
  const parents = new Map();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
      parents.set(Number(pid), ppid);
    } catch {
      // Gone meanwhile.
    }
  }
  return parents;
}

function tree(root) {
  const parents = children();
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const [pid, ppid] of parents) if (ppid === found[i]) found.push(pid);
  return found.map((pid) => {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 3).join(' ');
    return { pid, command, rssMb: Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024 };
  });
}

for (let run = 1; run <= runs; run++) {
  const started = process.hrtime.bigint();
  // Its own process group, so the stop is a Ctrl-C to all of it, as at a terminal.
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, HUB_LOG_FORMAT: 'json' }, detached: true });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.includes('"msg":"hub ready"')) resolve();
    });
    void exited.then(() => reject(new Error('npm start exited before it was ready')));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await sleep(5000);
  const processes = tree(child.pid);
  const total = processes.reduce((sum, p) => sum + p.rssMb, 0);
  process.stdout.write(`${JSON.stringify({ run, startToReadySeconds: Number(seconds.toFixed(2)), idleRssMb: Math.round(total), processes: processes.map((p) => `${p.command.replace(ROOT, '')} ${Math.round(p.rssMb)} MB`) })}\n`);
  process.kill(-child.pid, 'SIGINT');
  await exited;
}
