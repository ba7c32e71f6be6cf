// The compiled bundle in dist/: TypeScript through tsc, then the files the runtime reads beside its
// modules (the simulator's scenarios), so dist/ runs on its own once installed from the package.
// `--if-stale` builds only when a source is newer than the last build, so `npm start` costs a build
// once after a checkout and nothing after.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(ROOT, 'dist', '.built');
const SOURCES = ['src', 'hal', 'flash', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'scripts/build.mjs'];
/** Non-TypeScript files the runtime reads relative to its own module, copied to the same place in dist/. */
const ASSETS = ['hal/sim/scenarios', 'src/installer/page/public'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), stat.mtimeMs);
}

function isStale() {
  if (!existsSync(STAMP)) return true;
  const built = statSync(STAMP).mtimeMs;
  return SOURCES.some((source) => newestMtime(join(ROOT, source)) > built);
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);

// A module removed from the sources must not linger in dist/ and ship in the package.
rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
for (const asset of ASSETS) cpSync(join(ROOT, asset), join(ROOT, 'dist', asset), { recursive: true });
writeFileSync(STAMP, `${new Date().toISOString()}\n`);
