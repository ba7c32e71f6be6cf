import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { HubError } from '../hal/errors.js';
import { buildBundle, REPO_ROOT } from './bundle.js';
import { install } from './install.js';
import { isArch, type Arch } from './targets.js';

/** `npm run flash:bundle` and `flash/install`: what goes on a board, and putting it into a root filesystem. */
function arch(value: string): Arch {
  if (!isArch(value)) throw new InvalidArgumentError('arm64 or armv7');
  return value;
}

export function flashProgram(): Command {
  const program = new Command('flash').exitOverride();
  program
    .command('bundle')
    .description("build the board's bundle: its Node, the compiled hub, production modules with the target's prebuilt addons, units, udev rule, manifest")
    .requiredOption('--arch <arch>', 'arm64 (Pi 3/4/5, Zero 2 W on a 64-bit OS) or armv7 (a 32-bit OS)', arch)
    .option('--out <dir>', 'where to write hub-<version>-<arch>.tar.gz', resolve(REPO_ROOT, 'bundles'))
    .action((options: { arch: Arch; out: string }) => {
      const result = buildBundle(options.arch, resolve(options.out));
      process.stdout.write(`${result.file}\nsha256 ${result.sha256}\n${result.manifest.files.length} files, Node ${result.manifest.node.version}, commit ${result.manifest.commit}\n`);
    });
  program
    .command('install')
    .description('put the hub into a mounted Raspberry Pi OS root filesystem: slot A, the service enabled, the board and its UART, the udev rule, the user; run again to finish or to check (a second run changes nothing)')
    .argument('<image>', 'the bundle as a signed Upgrade Image (hub firmware pack <bundle> --key ... -o hub.img)')
    .argument('<rootfs>', "the root filesystem's mount point (its boot partition mounted at boot/firmware, or boot)")
    .requiredOption('--board <name>', 'the board profile: rpi4b, rpi5, rpi-zero-2w or usb-efr32')
    .requiredOption('--keystore <dir>', "the certificates the hub trusts (<eui>-ds.pem, <eui>-ka.pem), the image's signer among them; .key files are never copied")
    .action(async (image: string, rootfs: string, options: { board: string; keystore: string }) => {
      await install({ image: resolve(image), rootfs: resolve(rootfs), board: options.board, keystore: resolve(options.keystore) });
      process.stdout.write(`installed into ${resolve(rootfs)} for the ${options.board}\n`);
    });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await flashProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof HubError) {
      process.stderr.write(`error ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href) {
  process.exitCode = await main(process.argv.slice(2));
}
