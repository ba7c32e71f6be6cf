import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { missing, UNDER_CI } from './prerequisites.js';

/**
 * The DCC's sample Upgrade Images, read from `$FIRMWARE_SAMPLES_DIR`, else `../shared/firmware`
 * beside the project. Third-party data: never copied into the repository. Without them the tests
 * that need them skip with a notice; under CI=true their absence fails.
 */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const FIRMWARE_SAMPLES_DIR = resolve(PROJECT_ROOT, process.env['FIRMWARE_SAMPLES_DIR'] ?? '../shared/firmware');
export const ESME_SAMPLE = join(FIRMWARE_SAMPLES_DIR, 'esme-sample-upgrade-image.bin');
export const PPMID_SAMPLE = join(FIRMWARE_SAMPLES_DIR, 'ppmid-sample-upgrade-image.bin');

export const firmwareSamplesPresent = existsSync(ESME_SAMPLE) && existsSync(PPMID_SAMPLE);

export function readSample(path: string): Buffer {
  return readFileSync(path);
}

/** A describe block that needs the sample images: one test saying they are absent instead, skipped, or failing under CI. */
export function describeSamples(name: string, body: () => void): void {
  if (firmwareSamplesPresent) {
    describe(name, body);
    return;
  }
  const notice = `sample firmware images not found at ${FIRMWARE_SAMPLES_DIR} (set FIRMWARE_SAMPLES_DIR)`;
  if (!UNDER_CI) console.warn(`SKIPPED "${name}": ${notice}`);
  describe(name, () => {
    it('has the sample firmware images', (context) => missing(context, notice));
  });
}
