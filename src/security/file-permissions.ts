import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { HubError } from '../../hal/errors.js';
import type { HubConfig } from '../config.js';
import { mayLogField } from '../privacy/index.js';

/**
 * The hub's process-level posture: files holding secrets must be readable by their owner only,
 * and no secret may sit in the command line or the environment, which other local users can read
 * (`ps`, /proc/<pid>/environ) and diagnostics dump. The rule for private files lives here alone;
 * the file-backed SecureElement applies it to keys.json through `privateFileProblem`.
 */
export class FilePermissionError extends HubError {}

/** Group and others may neither read nor write a private file (nor execute it). */
const NOT_FOR_OTHERS = 0o077;

/**
 * What is wrong with a private file of this mode, with the command that fixes it; undefined when
 * only its owner can reach it.
 */
export function privateFileProblem(mode: number, path: string, what = 'the file'): string | undefined {
  if ((mode & NOT_FOR_OTHERS) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(3, '0');
  return `${what} is readable or writable by group or others (mode ${octal}); fix it with: chmod 600 ${JSON.stringify(path)}`;
}

export interface PrivateFile {
  path: string;
  /** What it is, for the message ("the configuration file"). */
  what: string;
  /** A missing optional file is not a problem (keys.json before the first start). */
  optional?: boolean;
}

/** The files `hub start` reads that may hold secrets. */
export function startupFiles(config: HubConfig, configPath: string | undefined): PrivateFile[] {
  const files: PrivateFile[] = [];
  if (configPath !== undefined) files.push({ path: resolve(configPath), what: 'the configuration file (it may hold the broker password)' });
  files.push({ path: join(resolve(config.store.path), 'keys.json'), what: "the key file (the hub's private keys and data key)", optional: true });
  if (config.wan.key !== undefined) files.push({ path: resolve(config.wan.key), what: "the MQTT client certificate's private key (wan.key)" });
  return files;
}

/**
 * Refuse to start while any private file is open to others: one error listing every problem with
 * its fix, so a person fixes them all in one go.
 */
export async function checkPrivateFiles(files: readonly PrivateFile[]): Promise<void> {
  const problems: string[] = [];
  for (const file of files) {
    let mode: number;
    try {
      mode = (await stat(file.path)).mode;
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && file.optional) continue;
      problems.push(`${file.path}: cannot check ${file.what}: ${code === 'ENOENT' ? 'file not found' : (cause as Error).message}`);
      continue;
    }
    const problem = privateFileProblem(mode, file.path, file.what);
    if (problem) problems.push(`${file.path}: ${problem}`);
  }
  if (problems.length > 0) {
    throw new FilePermissionError('FILE_TOO_OPEN', `refusing to start:\n  ${problems.join('\n  ')}`, { where: 'file permissions' });
  }
}

export async function checkStartupFiles(config: HubConfig, configPath: string | undefined): Promise<void> {
  await checkPrivateFiles(startupFiles(config, configPath));
}

const SECRET_VARIABLE = /(PASSWORD|PASSWD|SECRET|TOKEN|PIN|KEY|CREDENTIAL)/i;

/** Whether an environment variable's name says it holds a secret (`HUB_PIN`, `MQTT_PASSWORD`). */
export function isSecretVariable(name: string): boolean {
  return SECRET_VARIABLE.test(name) || !mayLogField(name);
}

/** The environment fit to print in diagnostics: secret-looking variables keep their name, not their value. */
export function environmentForDump(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = isSecretVariable(name) ? '[hidden]' : value;
  return out;
}

/**
 * Where any of `secrets` appears in the command line or the environment: `argv[3]`, `env.HUB_PIN`.
 * Names the place, never the secret. Used at start with the config's secrets (the broker password).
 */
export function exposedSecrets(secrets: readonly string[], argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const present = secrets.filter((secret) => secret.length >= 4);
  const places: string[] = [];
  argv.forEach((arg, i) => {
    if (present.some((secret) => arg.includes(secret))) places.push(`argv[${i}]`);
  });
  for (const [name, value] of Object.entries(env)) if (value !== undefined && present.some((secret) => value.includes(secret))) places.push(`env.${name}`);
  return places;
}

/** Refuse to run with a secret in the command line or the environment. */
export function checkNoExposedSecrets(secrets: readonly string[], argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): void {
  const places = exposedSecrets(secrets, argv, env);
  if (places.length > 0) {
    throw new FilePermissionError(
      'SECRET_EXPOSED',
      `a secret from the configuration also appears in ${places.join(', ')}, where other local users can read it; remove it from there and keep it only in the configuration file (mode 600)`,
      { where: 'process' },
    );
  }
}
