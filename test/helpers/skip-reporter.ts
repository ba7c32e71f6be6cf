import { relative } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

/**
 * Says, at the end of every run, which tests did not run and why: skipped ones with the note their
 * test gave (`missing()` in prerequisites.ts names what is missing), and `todo` ones (use cases
 * and role-policy cells not written yet), counted. Under CI=true a skipped test fails the run:
 * everything the suite needs is installed there, and HIL tests, the one exception, have their own
 * config (npm run test:hil). A run narrowed by `-t` is left alone, as its filtered tests skip too.
 */
export default class SkipReporter implements Reporter {
  private root = process.cwd();
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    this.filtered = vitest.config.testNamePattern !== undefined;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const skipped: string[] = [];
    let todo = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        if (test.options.mode === 'todo') {
          todo++;
          continue;
        }
        const where = relative(this.root, module.moduleId);
        skipped.push(`  ${where} > ${test.fullName}: ${result.note ?? 'skipped without a reason (it.skip)'}`);
      }
    }
    if (todo > 0) console.log(`\n${todo} todo tests (not written yet; their names say what is missing)`);
    if (skipped.length === 0 || this.filtered) return;
    console.log(`\nSkipped ${skipped.length} tests:\n${skipped.join('\n')}`);
    if (process.env['CI'] === 'true') {
      console.log('Under CI=true nothing may skip: install what the skipped tests name (.ci/run does), or fix the test.');
      process.exitCode = 1;
    }
  }
}
