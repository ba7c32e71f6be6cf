import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, realpath, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Power cuts for a directory a child process writes to (see power-cut.c for the model). The child
 * runs with `env` (LD_PRELOAD of the library, built here with the machine's C compiler), so every
 * sync it makes under `live` is copied into `shadow`. Once the child is dead:
 * - `cut()` is a power cut: `live` becomes what `shadow` holds, every unsynced write gone;
 * - `settle()` is the end of a crash without one: the kernel writes its page cache back, so
 *   `shadow` becomes what `live` holds.
 */
const SOURCE = fileURLToPath(new URL('./power-cut.c', import.meta.url));
const CACHE = resolve(dirname(SOURCE), '../../../node_modules/.cache/hub-power-cut');

let built: Promise<string> | undefined;

/** Why the library cannot be built here, or undefined when it can. */
export function powerCutUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `power-cut tests need Linux (LD_PRELOAD); this is ${process.platform}`;
  if (spawnSync('cc', ['--version'], { stdio: 'ignore' }).error) return 'cc (a C compiler: Debian package gcc) is not installed: the power-cut tests build their LD_PRELOAD library with it';
  return undefined;
}

/** The library's path, compiled once per source text (into node_modules/.cache). */
export function powerCutLibrary(): Promise<string> {
  built ??= (async () => {
    const source = await readFile(SOURCE);
    const library = join(CACHE, `power-cut-${createHash('sha256').update(source).digest('hex').slice(0, 16)}.so`);
    if (existsSync(library)) return library;
    await mkdir(CACHE, { recursive: true });
    // Each process compiles to its own name and renames, so parallel test files never load half a library.
    const partial = `${library}.${process.pid}`;
    const compiled = spawnSync('cc', ['-shared', '-fPIC', '-O2', '-Wall', '-o', partial, SOURCE, '-ldl', '-lpthread'], { encoding: 'utf8' });
    if (compiled.status !== 0) throw new Error(`cc could not build ${SOURCE}:\n${compiled.stderr}${compiled.error?.message ?? ''}`);
    await rename(partial, library);
    return library;
  })();
  return built;
}

export class PowerCutDisk {
  private constructor(
    readonly live: string,
    readonly shadow: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** A live directory (`<parent>/<name>`) and its shadow, both empty. */
  static async create(parent: string, name: string): Promise<PowerCutDisk> {
    const base = await realpath(parent);
    const live = join(base, name);
    await mkdir(live, { recursive: true, mode: 0o700 });
    const shadow = await mkdtemp(join(base, `${name}-after-power-cut-`));
    const env = { ...process.env, LD_PRELOAD: await powerCutLibrary(), HUB_POWER_CUT_DIR: live, HUB_POWER_CUT_SHADOW: shadow };
    return new PowerCutDisk(live, shadow, env);
  }

  /** The power went: only what was synced is left. Call once every writer is dead. */
  async cut(): Promise<void> {
    await replaceWith(this.live, this.shadow);
  }

  /** A crash without a power cut: what the dead writers left in the page cache reaches the disk. */
  async settle(): Promise<void> {
    await replaceWith(this.shadow, this.live);
  }
}

async function replaceWith(target: string, source: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
  await cp(source, target, { recursive: true, preserveTimestamps: true });
}
