import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const CLI = resolve('src/cli.ts');

/** Runs the program through a link named as npm names the installed bin; resolves with its exit code and output. */
async function runThroughLink(linkDir: string, name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  await mkdir(linkDir, { recursive: true });
  const link = join(linkDir, name);
  await symlink(CLI, link).catch(() => undefined);
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', link, ...args], { cwd: resolve('.') });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the installed `hub` bin', () => {
  it('runs the command when started through a link named hub, as npm installs it', async () => {
    const bin = join(await mkdtemp(join(tmpdir(), 'hub-bin-')), 'node_modules', '.bin');
    const missing = join(bin, 'no-such-store');
    const result = await runThroughLink(bin, 'hub', ['store', 'check', '--store', missing]);
    expect(result.stderr).toContain(`${missing}: no database here`);
    expect(result.code).toBe(2);
  });

  it('prints its help through a link of another name, as a service unit may use', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'hub-bin-'));
    const result = await runThroughLink(bin, 'comms-hub', ['--help']);
    expect(result.stdout).toMatch(/GB smart-metering Communications Hub runtime/);
    expect(result.code).toBe(0);
  });
});
