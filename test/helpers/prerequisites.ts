import { spawnSync } from 'node:child_process';
import { it, type TestContext } from 'vitest';

/**
 * What a test needs from the machine (mosquitto, socat, a C compiler, a vector of the RTDS...).
 * Under CI=true a missing prerequisite fails the test, naming what is missing: CI installs
 * everything the suite needs (.ci/run), so a skip there would hide a check that never ran.
 * Elsewhere the test skips with the same words, which the skip reporter
 * (test/helpers/skip-reporter.ts) prints at the end of the run.
 */
export const UNDER_CI = process.env['CI'] === 'true';

/** Whether `command` runs here (found on PATH and starts). */
export function commandRuns(command: string, args: readonly string[] = ['--version']): boolean {
  return spawnSync(command, args, { stdio: 'ignore' }).error === undefined;
}

/** Inside a test: fail under CI, else skip, saying what is missing. */
export function missing(context: TestContext, what: string): never {
  if (UNDER_CI) throw new Error(`${what} (under CI=true a missing prerequisite fails the test instead of skipping it)`);
  return context.skip(what);
}

type Body = (context: TestContext) => unknown;

/**
 * `it`, when `absent` is undefined; otherwise a test of the same name that fails under CI and
 * skips elsewhere, saying `absent` (e.g. "mosquitto is not installed").
 */
export function itNeeds(absent: string | undefined): (name: string, body: Body, timeout?: number) => void {
  if (absent === undefined) return (name, body, timeout) => it(name, body, timeout);
  return (name) => it(name, (context) => missing(context, absent));
}

/** Why no Chromium runs here for the page tests (Playwright drives Debian's chromium), or undefined. */
export function chromiumMissing(): string | undefined {
  const found = ['chromium', 'chromium-browser'].some((command) => commandRuns(command));
  return found ? undefined : 'Chromium is not installed (Debian package chromium): the page tests drive it with Playwright';
}
