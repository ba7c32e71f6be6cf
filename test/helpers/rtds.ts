import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/**
 * The DCC's Reference Test Data Set, read where the developer or CI keeps it: `$RTDS_DIR`, else
 * `../shared/rtds` beside the project. It is third-party data and never enters the repository.
 * Without it the conformance suites skip with a notice; under CI=true its absence fails them.
 */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const RTDS_DIR = resolve(PROJECT_ROOT, process.env['RTDS_DIR'] ?? '../shared/rtds');
export const RTDS_KEYSTORE = join(RTDS_DIR, 'keystore');
const VECTORS = join(RTDS_DIR, 'vectors');

export const rtdsPresent = existsSync(VECTORS) && existsSync(RTDS_KEYSTORE);

export type VectorKind = 'COMMAND' | 'PRECOMMAND' | 'RESPONSE' | 'ALERT';
const KINDS: readonly VectorKind[] = ['PRECOMMAND', 'COMMAND', 'RESPONSE', 'ALERT'];

export interface Vector {
  /** File name, e.g. CCS01_8.11_SUCCESS_COMMAND_GBCS.HEX. */
  name: string;
  useCase: string;
  kind: VectorKind;
  /** The words between the service reference and the kind, e.g. SUCCESS or 8F66_FUTURE_DATED_SUCCESS. */
  outcome: string;
  bytes: Buffer;
}

let cache: Vector[] | undefined;

/** Every vector, sorted by file name. */
export function loadVectors(): Vector[] {
  if (cache) return cache;
  const vectors: Vector[] = [];
  for (const folder of readdirSync(VECTORS).sort()) {
    for (const name of readdirSync(join(VECTORS, folder)).sort()) {
      if (!name.toUpperCase().endsWith('.HEX')) continue;
      const words = name.replace(/_GBCS\.HEX$/i, '').split('_');
      const kindAt = words.findIndex((word) => (KINDS as readonly string[]).includes(word));
      if (kindAt < 0) throw new Error(`${name}: no COMMAND/PRECOMMAND/RESPONSE/ALERT in the name`);
      const hex = readFileSync(join(VECTORS, folder, name), 'utf8').replace(/\s+/g, '');
      vectors.push({
        name,
        useCase: words[0]!,
        kind: words[kindAt] as VectorKind,
        outcome: words.slice(2, kindAt).join('_'),
        bytes: Buffer.from(hex, 'hex'),
      });
    }
  }
  cache = vectors;
  return vectors;
}

/** A describe block that needs the RTDS: skipped with a visible notice when absent, failing under CI. */
export function describeRtds(name: string, body: () => void): void {
  describeNeeding(rtdsPresent, `RTDS vectors not found at ${RTDS_DIR} (set RTDS_DIR)`, name, body);
}

/**
 * A describe block that needs third-party data kept outside the project: skipped with `notice` when
 * the data is not `present`, failing under CI=true, where every suite must run.
 */
export function describeNeeding(present: boolean, notice: string, name: string, body: () => void): void {
  if (present) {
    describe(name, body);
    return;
  }
  if (process.env['CI'] === 'true') {
    describe(name, () => {
      it('has the data it needs', () => {
        throw new Error(`${notice}; under CI this suite must run`);
      });
    });
    return;
  }
  console.warn(`SKIPPED "${name}": ${notice}`);
  describe.skip(name, body);
}
