import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { HubError } from './errors.js';
import type { FlowControl } from './transport/serial.js';

/** A GPIO line around the radio (see boards/schema.json for the meaning of each field). */
export interface GpioLineSpec {
  chip: string;
  line: number;
  activeLow: boolean;
  pulseMs?: number;
  settleMs?: number;
}

/** One board profile from `boards/NAME.json`. */
export interface BoardProfile {
  name: string;
  title: string;
  description?: string;
  serial: {
    path: string;
    fallbackPaths?: string[];
    baudRate: number;
    flowControl: FlowControl;
  };
  radioReset: GpioLineSpec | null;
  statusLed: GpioLineSpec | null;
  setup?: string[];
}

export type BoardErrorCode = 'BOARD_NOT_FOUND' | 'BOARD_SYNTAX' | 'BOARD_INVALID';

export class BoardError extends HubError {
  declare readonly code: BoardErrorCode;
  /** The key path inside the profile that is wrong (`serial.baudRate`), when one is. */
  readonly key: string | undefined;

  constructor(code: BoardErrorCode, message: string, options: { where?: string; key?: string; cause?: unknown } = {}) {
    super(code, message, options);
    this.key = options.key;
  }
}

/** Where the profiles live: `$HUB_BOARDS_DIR`, else `boards/` at the project root (from source or from dist/). */
export function defaultBoardsDir(): string {
  const fromEnv = process.env['HUB_BOARDS_DIR'];
  if (fromEnv) return fromEnv;
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'boards'), join(here, '..', '..', 'boards')];
  return candidates.find((dir) => existsSync(join(dir, 'schema.json'))) ?? candidates[0]!;
}

let validator: ValidateFunction | undefined;

async function schemaValidator(): Promise<ValidateFunction> {
  if (validator) return validator;
  const here = dirname(fileURLToPath(import.meta.url));
  const schemaPath = [join(here, '..', 'boards', 'schema.json'), join(here, '..', '..', 'boards', 'schema.json')].find((p) =>
    existsSync(p),
  );
  if (!schemaPath) throw new BoardError('BOARD_NOT_FOUND', 'the board schema is missing from this installation', { where: 'boards/schema.json' });
  const schema = JSON.parse(await readFile(schemaPath, 'utf8')) as object;
  validator = new Ajv({ allErrors: true, strict: true }).compile(schema);
  return validator;
}

function keyPath(error: ErrorObject): string {
  const segments = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'additionalProperties') segments.push(String((error.params as { additionalProperty: string }).additionalProperty));
  if (error.keyword === 'required') segments.push(String((error.params as { missingProperty: string }).missingProperty));
  return segments.length ? segments.join('.') : '(top level)';
}

function explain(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return 'is not a known key';
    case 'required':
      return 'is missing';
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    default:
      return error.message ?? 'is not valid';
  }
}

interface Problem {
  key: string;
  text: string;
}

/**
 * The problems worth showing. A null-or-object key that is neither reports a `type` error for the
 * null branch and a `oneOf` summary; those are noise beside the object branch's own errors.
 */
function problems(errors: ErrorObject[]): Problem[] {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && !(e.keyword === 'type' && (e.params as { type?: string }).type === 'null'));
  const chosen = specific.length ? specific : errors;
  const seen = new Map<string, Problem>();
  for (const error of chosen) {
    const key = keyPath(error);
    const text = `${key} ${explain(error)}`;
    seen.set(text, { key, text });
  }
  return [...seen.values()];
}

/** Parse and validate one profile's text; `source` names the file in every error. */
export async function parseBoard(text: string, source: string, expectedName?: string): Promise<BoardProfile> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BoardError('BOARD_SYNTAX', `not valid JSON: ${(error as Error).message}`, { where: source, cause: error });
  }
  const validate = await schemaValidator();
  if (!validate(raw)) {
    const list = problems(validate.errors ?? []);
    throw new BoardError('BOARD_INVALID', list.map((p) => p.text).join('; '), { where: source, key: list[0]?.key });
  }
  const profile = raw as BoardProfile;
  if (expectedName !== undefined && profile.name !== expectedName) {
    throw new BoardError('BOARD_INVALID', `name is "${profile.name}" but the file is ${expectedName}.json; they must match`, {
      where: source,
      key: 'name',
    });
  }
  return profile;
}

/** Names of the profiles in `dir`, sorted. */
export async function listBoards(dir = defaultBoardsDir()): Promise<string[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries
    .filter((f) => f.endsWith('.json') && f !== 'schema.json')
    .map((f) => basename(f, '.json'))
    .sort();
}

/** Load and validate `boards/NAME.json`. */
export async function loadBoard(name: string, dir = defaultBoardsDir()): Promise<BoardProfile> {
  const available = await listBoards(dir);
  if (!available.includes(name)) {
    throw new BoardError('BOARD_NOT_FOUND', `no board profile named "${name}"; available: ${available.join(', ') || '(none)'}`, {
      where: dir,
    });
  }
  const file = join(dir, `${name}.json`);
  const shown = relative(process.cwd(), file) || file;
  return parseBoard(await readFile(file, 'utf8'), shown.startsWith('..') ? file : shown, name);
}

/** Every profile in `dir`, validated. Rejects on the first broken one. */
export async function loadAllBoards(dir = defaultBoardsDir()): Promise<BoardProfile[]> {
  return Promise.all((await listBoards(dir)).map((name) => loadBoard(name, dir)));
}
