import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.js';
import { HubSlots, buildUpgradeImage, parseUpgradeImage } from '../../../src/firmware/index.js';

/** `hub selftest` through the CLI: real LevelDB, real crypto, the simulator as the radio, a real slot tree on disk. */
async function selftest(...args: string[]): Promise<{ code: number; lines: string[] }> {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  try {
    const code = await main(['selftest', ...args]);
    return { code, lines: out.join('').trimEnd().split('\n') };
  } finally {
    vi.restoreAllMocks();
  }
}

const image = buildUpgradeImage({ manufacturerCode: 0x121d, imageType: 0x0100, fileVersion: 0x00000203, stackVersion: 2, headerString: Buffer.alloc(32), manufacturerImage: Buffer.alloc(1000, 7) });

describe('hub selftest', () => {
  let work: string;
  let slots: string;
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'hub-selftest-test-'));
    slots = join(work, 'slots');
    await new HubSlots(slots, (bytes) => void parseUpgradeImage(bytes)).initialise(image);
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('passes every check on a sound installation, one line each, and exits 0', async () => {
    const { code, lines } = await selftest('--port', 'sim', '--slots', slots);
    expect(lines.map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual(['PASS native', 'PASS store', 'PASS crypto', 'PASS radio', 'PASS join', 'PASS slots']);
    expect(lines[0]).toMatch(/classic-level .*\.node.*@serialport\/bindings-cpp .*\.node/);
    expect(lines[3]).toMatch(/the simulator on tcp:\/\/127\.0\.0\.1:\d+: RSTACK/);
    expect(lines[4]).toMatch(/the simulated ESME 00DB1234567890A0 joined by its install code/);
    expect(lines[5]).toContain('slot A runs version 0x00000203');
    expect(code).toBe(0);
  });

  it('reports a radio that is not there and a damaged running image, still runs the other checks, and exits 1', async () => {
    const imageFile = join(slots, 'slot-a', 'image.bin');
    const bytes = await readFile(imageFile);
    bytes[bytes.length - 1]! ^= 0xff;
    await writeFile(imageFile, bytes);
    const port = join(work, 'no-radio-here');

    const { code, lines } = await selftest('--port', port, '--slots', slots);
    expect(lines).toHaveLength(6);
    expect(lines.slice(0, 3).every((line) => line.startsWith('PASS'))).toBe(true);
    expect(lines[3]).toMatch(/^FAIL\s+radio\s+/);
    expect(lines[3]).toContain(`nothing at ${port}`);
    expect(lines[3]).toContain('hub doctor');
    expect(lines[4]).toMatch(/^SKIP\s+join\s+a real radio/);
    expect(lines[5]).toMatch(/^FAIL\s+slots\s+slot A runs but its image is not whole/);
    expect(code).toBe(1);
  });

  it('skips the slots when none are set up, which is no failure', async () => {
    const { code, lines } = await selftest('--port', 'sim', '--slots', join(work, 'none'));
    expect(lines[5]).toMatch(/^SKIP\s+slots\s+no slot tree at /);
    expect(code).toBe(0);
  });
});
