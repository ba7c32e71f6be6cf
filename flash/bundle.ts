import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deterministicTarGz } from './archive.js';
import { BUNDLE_FILES, FILES_DIR } from './files.js';
import { installedDependencies, listFiles, MANIFEST_NAME, type Manifest } from './manifest.js';
import { nodePackage, unpackNode } from './node-binary.js';
import { run } from './run.js';
import { TARGETS, type Arch, type Target } from './targets.js';

/**
 * `npm run flash:bundle -- --arch arm64|armv7`: everything a board runs, in one .tar.gz —
 *   bin/node, bin/hub        the target's Node from the registry; the hub through it
 *   app/                     the compiled runtime, boards/, production node_modules with the target's prebuilt addons only
 *   lib/hub-launch           runs the hub from the active A/B slot
 *   etc/, systemd/, udev/    the default config, the units, the radio's udev rule
 *   manifest.json            versions and every file's SHA-256
 * Nothing is compiled (npm installs with --ignore-scripts; the addons are the packages' own prebuilds)
 * and nothing comes from anywhere but the npm registry.
 */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface BundleResult {
  file: string;
  sha256: string;
  manifest: Manifest;
}

/** Keeps, in every `prebuilds/` folder of the tree, only the target's addons. */
function keepTargetPrebuilds(nodeModules: string, target: Target): void {
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      if (entry.name !== 'prebuilds') {
        walk(path);
        continue;
      }
      for (const platform of readdirSync(path)) {
        if (platform !== target.prebuildDir) {
          rmSync(join(path, platform), { recursive: true, force: true });
          continue;
        }
        for (const file of readdirSync(join(path, platform))) if (!target.keep(file)) rmSync(join(path, platform, file), { force: true });
      }
    }
  };
  walk(nodeModules);
}

function copyRuntime(app: string): void {
  mkdirSync(join(app, 'dist'), { recursive: true });
  const noMaps = (source: string) => !source.endsWith('.map') && !source.endsWith('.d.ts');
  for (const part of ['src', 'hal']) cpSync(join(REPO_ROOT, 'dist', part), join(app, 'dist', part), { recursive: true, filter: noMaps });
  cpSync(join(REPO_ROOT, 'boards'), join(app, 'boards'), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  // The board runs what is built: no build scripts to set off, no dev tools to install.
  delete pkg['scripts'];
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  copyFileSync(join(REPO_ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
}

function commitOf(): { commit: string; time: number } {
  const [commit, time] = run('git', ['log', '-1', '--format=%H %ct'], { cwd: REPO_ROOT }).trim().split(' ');
  const dirty = run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT }).trim() !== '';
  return { commit: dirty ? `${commit}-dirty` : commit!, time: Number(time) };
}

export function buildBundle(arch: Arch, outDir: string): BundleResult {
  const target = TARGETS[arch];
  run(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), '--if-stale']);
  const stage = mkdtempSync(join(tmpdir(), `hub-bundle-${arch}-`));
  try {
    const app = join(stage, 'app');
    copyRuntime(app);
    // The lockfile's production tree, from npm's cache when it has it; no install scripts, so no compiler.
    run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app });
    keepTargetPrebuilds(join(app, 'node_modules'), target);
    unpackNode(nodePackage(target), stage);
    for (const file of BUNDLE_FILES) {
      mkdirSync(join(stage, file.path, '..'), { recursive: true });
      copyFileSync(join(FILES_DIR, file.source), join(stage, file.path));
      chmodSync(join(stage, file.path), file.mode);
    }
    const pkg = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { name: string; version: string };
    const { commit, time } = commitOf();
    const manifest: Manifest = {
      name: pkg.name,
      version: pkg.version,
      commit,
      arch,
      node: { package: target.nodePackage, version: target.nodeVersion },
      dependencies: installedDependencies(app),
      files: listFiles(stage),
    };
    writeFileSync(join(stage, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
    mkdirSync(outDir, { recursive: true });
    const file = join(outDir, `hub-${pkg.version}-${arch}.tar.gz`);
    const sha256 = deterministicTarGz(stage, file, time);
    writeFileSync(`${file}.sha256`, `${sha256}  hub-${pkg.version}-${arch}.tar.gz\n`);
    return { file, sha256, manifest };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
