import { readFile } from 'node:fs/promises';
import { HubError } from '../../hal/errors.js';
import { DEVICE_TYPES, findDeviceType } from '../security/device-types.js';
import { PinInputError, secretInput, type TerminalLike } from './pin-input.js';

/**
 * An install code is the key a Device joins with: on the command line every local user would see it
 * (`ps`, /proc/PID/cmdline). `hub devices add` reads it from a file (`--install-code-file`), or
 * from standard input: typed at a prompt with echo off on a terminal, one line when piped in.
 */
export class InstallCodeInputError extends HubError {}

export const NEW_WAY = 'type it at the prompt, pipe it on standard input, or give --install-code-file FILE';

/** The old form, `hub devices add EUI64 TYPE CODE`: refused without echoing the code. */
export function refuseInArgv(): never {
  throw new InstallCodeInputError('INSTALL_CODE_IN_ARGV', `an install code on the command line is visible to every local user; ${NEW_WAY}`, { where: 'hub devices add' });
}

/** The install code for a Device of `type`, or undefined for a type that joins without one (and no file was named). */
export async function readInstallCode(type: string, file: string | undefined, io: { input: TerminalLike; prompt: NodeJS.WritableStream }): Promise<string | undefined> {
  if (file !== undefined) {
    try {
      return (await readFile(file, 'utf8')).trim();
    } catch (cause) {
      throw new InstallCodeInputError('INSTALL_CODE_FILE_UNREADABLE', `cannot read the install code file: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { where: file, cause });
    }
  }
  const known = findDeviceType(type);
  if (!known || !DEVICE_TYPES[known].joinsWithInstallCode) return undefined;
  const input = secretInput(io.input, io.prompt);
  try {
    return (await input.read(`Install code for the ${type} (hex, CRC included): `)).trim();
  } catch (error) {
    if (error instanceof PinInputError) throw new InstallCodeInputError('INSTALL_CODE_NOT_GIVEN', `no install code was given: ${NEW_WAY}`, { where: 'standard input', cause: error });
    throw error;
  } finally {
    input.close();
  }
}
