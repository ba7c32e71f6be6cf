import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { itNeeds, missing, UNDER_CI } from './prerequisites.js';

/**
 * The DCC's Reference Test Data Set, read where the developer or CI keeps it: `$RTDS_DIR`, else
 * `../shared/rtds` beside the project. It is third-party data and never enters the repository.
 * Without it the conformance suites skip with a notice; under CI=true its absence, or the absence
 * of a vector a test names, fails them (the CI's RTDS_DIR must hold every vector the tests name).
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

/** A describe block that needs the RTDS: one test saying it is absent instead, skipped, or failing under CI. */
export function describeRtds(name: string, body: () => void): void {
  if (rtdsPresent) {
    describe(name, body);
    return;
  }
  const notice = `RTDS vectors not found at ${RTDS_DIR} (set RTDS_DIR)`;
  if (!UNDER_CI) console.warn(`SKIPPED "${name}": ${notice}`);
  describe(name, () => {
    it('has the RTDS vectors', (context) => missing(context, notice));
  });
}

/** What is missing for a test that names these vectors (file names), or undefined when all are here. */
export function vectorsMissing(...names: string[]): string | undefined {
  if (!rtdsPresent) return `RTDS vectors not found at ${RTDS_DIR} (set RTDS_DIR)`;
  const absent = names.filter((name) => !loadVectors().some((vector) => vector.name === name));
  return absent.length === 0 ? undefined : `RTDS vector${absent.length > 1 ? 's' : ''} ${absent.join(', ')} not in ${VECTORS} (set RTDS_DIR to a fuller RTDS)`;
}

/** `it` for a test that needs these vectors: skipped, or failing under CI, naming any that are absent. */
export const itWithVectors = (...names: string[]) => itNeeds(vectorsMissing(...names));

/** The bytes of a vector (file name), or undefined when absent: pair with `itWithVectors`. */
export function vectorBytes(name: string): Buffer | undefined {
  return rtdsPresent ? loadVectors().find((vector) => vector.name === name)?.bytes : undefined;
}
