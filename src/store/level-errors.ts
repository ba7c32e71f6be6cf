import { HubError } from '../../hal/errors.js';
import { StoreError } from './errors.js';

/** The command a person runs to salvage a damaged store (registered by `src/cli/store.ts`). */
export function repairCommand(path: string): string {
  return `hub store repair ${JSON.stringify(path)}`;
}

function levelCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The most specific LEVEL_* code in an error and its causes (classic-level wraps the real one). */
function innermostLevelCode(error: unknown): string | undefined {
  let found: string | undefined;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = levelCode(e);
    if (code?.startsWith('LEVEL_')) found = code;
  }
  return found;
}

function innermostMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error) message = e.message;
  }
  return message;
}

export function corruptError(path: string, error: unknown): StoreError {
  return new StoreError(
    'STORE_CORRUPT',
    `the database is damaged (${innermostMessage(error)}); stop the hub, copy the directory aside, then run: ${repairCommand(path)}`,
    { where: path, cause: error },
  );
}

/** Turns a failure from `level` into a StoreError a person can act on. */
export function translateLevelError(error: unknown, path: string, where: string, doing: string): HubError {
  if (error instanceof HubError) return error;
  switch (innermostLevelCode(error)) {
    case 'LEVEL_LOCKED':
      return new StoreError('STORE_LOCKED', `another hub process is using ${path} (its LOCK is held); stop it first`, { where: path, cause: error });
    case 'LEVEL_CORRUPTION':
      return corruptError(path, error);
    case 'LEVEL_DATABASE_NOT_OPEN':
      if (doing === 'open') break;
      return new StoreError('STORE_CLOSED', `cannot ${doing}: the store is closed`, { where, cause: error });
    default:
      break;
  }
  if (doing === 'open') {
    return new StoreError('STORE_OPEN_FAILED', `cannot open the database: ${innermostMessage(error)}`, { where: path, cause: error });
  }
  return new StoreError('STORE_IO_FAILED', `cannot ${doing}: ${innermostMessage(error)}`, { where, cause: error });
}
