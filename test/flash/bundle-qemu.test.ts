import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { buildBundle, type BundleResult } from '../../flash/bundle.js';
import { install, PATHS } from '../../flash/install.js';
import { TARGETS, type Arch } from '../../flash/targets.js';
import { startSimProcess, type SimProcess } from '../../src/sim-process.js';
import { commandRuns, itNeeds } from '../helpers/prerequisites.js';
import { rtdsPresent, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { scratchRoot, signedImage } from './scratch-root.js';

/**
 * The board's bundle on the board's CPU: built as `npm run flash:bundle` builds it, signed, installed
 * into a scratch root filesystem by flash/install, and its `hub selftest` run from slot A under qemu
 * user emulation (Debian's qemu-user-static, the target's C library from Debian's multiarch packages)
 * against the simulator running natively over TCP: its native modules load, LevelDB writes and reads,
 * the crypto works, the simulator's ESME joins, slot A runs a whole image. A second arm64 build of the
 * same commit gives the same bytes.
 */
const LOADERS: Record<Arch, string> = { arm64: '/lib/ld-linux-aarch64.so.1', armv7: '/lib/ld-linux-armhf.so.3' };

function absent(arch: Arch): string | undefined {
  const target = TARGETS[arch];
  if (!commandRuns(`qemu-${target.qemu}-static`, ['--version'])) return `qemu-${target.qemu}-static is not installed (Debian package qemu-user-static)`;
  if (!existsSync(LOADERS[arch])) return `the ${target.debian} C library is not installed (dpkg --add-architecture ${target.debian}; libc6:${target.debian} libstdc++6:${target.debian}${arch === 'armv7' ? ' libatomic1:armhf' : ''})`;
  if (!rtdsPresent) return `the RTDS keystore is missing (${RTDS_KEYSTORE}): its supplier signs the image`;
  return undefined;
}

let out: string;
let sim: SimProcess | undefined;
const roots: string[] = [];
const built = new Map<Arch, BundleResult>();

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'hub-bundles-'));
});
afterAll(async () => {
  await sim?.stop();
  for (const dir of [out, ...roots]) await rm(dir, { recursive: true, force: true });
});

function bundle(arch: Arch): BundleResult {
  if (!built.has(arch)) built.set(arch, buildBundle(arch, join(out, arch)));
  return built.get(arch)!;
}

/** `hub selftest` of the installed slot A, under qemu; resolves with its exit code and output. */
async function selftestUnderQemu(arch: Arch): Promise<{ code: number | null; lines: string[]; errors: string }> {
  const result = bundle(arch);
  const root = await scratchRoot();
  roots.push(root);
  const imageFile = join(root, 'hub.img');
  writeFileSync(imageFile, await signedImage(readFileSync(result.file), 0x00000100));
  await install({ image: imageFile, rootfs: root, board: 'rpi4b', keystore: RTDS_KEYSTORE });
  const slotA = join(root, PATHS.slots, 'slot-a', 'bundle');
  sim ??= await startSimProcess({ args: ['--log-level', 'error'] });
  const args = [join(slotA, 'bin', 'node'), join(slotA, 'app', 'dist', 'src', 'cli.js'), 'selftest', '--port', sim.radio, '--sim-control', sim.control, '--sim-control-token', sim.controlTokenFile, '--slots', join(root, PATHS.slots)];
  const child = spawn(`qemu-${TARGETS[arch].qemu}-static`, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
  let output = '';
  let errors = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Node 20.11 (armv7) warns there of experimental JSON imports; the report is on stdout.
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, lines: output.trimEnd().split('\n'), errors };
}

describe('the board bundle', () => {
  for (const arch of ['arm64', 'armv7'] as const) {
    itNeeds(absent(arch))(`runs hub selftest on ${arch} under qemu, from slot A of an installed root filesystem`, async () => {
      const { code, lines, errors } = await selftestUnderQemu(arch);
      const output = `${lines.join('\n')}\n${errors}`;
      expect(lines.map((line) => line.split(/\s+/).slice(0, 2).join(' ')), output).toEqual(['PASS native', 'PASS store', 'PASS crypto', 'PASS radio', 'PASS join', 'PASS slots']);
      const cpu = arch === 'arm64' ? 'armv8' : 'armv7';
      expect(lines[0]).toContain(`classic-level (prebuilds/${TARGETS[arch].prebuildDir}/classic-level.${cpu}.node)`);
      expect(lines[0]).toContain(`@serialport/bindings-cpp (prebuilds/${TARGETS[arch].prebuildDir}/@serialport+bindings-cpp.${cpu}.glibc.node)`);
      expect(lines[4]).toContain('the simulated ESME 00DB1234567890A0 joined by its install code');
      expect(lines[5]).toContain('slot A runs version 0x00000100');
      expect(code).toBe(0);
      // Only the target's addons travel.
      const addons = bundle(arch).manifest.files.filter((file) => file.path.endsWith('.node')).map((file) => file.path);
      expect(addons.sort()).toEqual([`app/node_modules/@serialport/bindings-cpp/prebuilds/${TARGETS[arch].prebuildDir}/@serialport+bindings-cpp.${cpu}.glibc.node`, `app/node_modules/classic-level/prebuilds/${TARGETS[arch].prebuildDir}/classic-level.${cpu}.node`]);
      expect(bundle(arch).manifest.node).toEqual({ package: TARGETS[arch].nodePackage, version: TARGETS[arch].nodeVersion });
    }, 300_000);
  }

  itNeeds(absent('arm64'))('is the same, byte for byte, when built again from the same commit', () => {
    const first = bundle('arm64');
    const again = buildBundle('arm64', join(out, 'again'));
    expect(again.sha256).toBe(first.sha256);
    expect(again.manifest).toEqual(first.manifest);
    const judged = spawnSync('sha256sum', ['--check', `${again.file}.sha256`], { cwd: join(out, 'again'), encoding: 'utf8' });
    expect(judged.status, judged.stdout + judged.stderr).toBe(0);
  }, 300_000);
});
