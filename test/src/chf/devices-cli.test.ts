import { SystemClock } from '../../../hal/clock.js';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstallCodeError } from '../../../hal/install-code.js';
import { addDevice, listDevices, listHistoric, removeDevice } from '../../../src/cli/devices.js';
import { DeviceLog } from '../../../src/chf/device-log.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { openStore } from '../../../src/store/index.js';
import { eui, installCode, rejection } from './helpers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** `hub devices ARGS` with `input` on its standard input: what a script piping an install code does. */
function hubDevices(args: string[], input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'devices', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.end(input);
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

let dir: string;
let store: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-devices-cli-'));
  store = join(dir, 'data');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('hub devices', () => {
  it('adds, lists (table and JSON), removes and shows the historic log, never printing an install code or key in full', async () => {
    const code = installCode(1).toString('hex');
    expect(await addDevice({ store }, { eui64: '00-DB-12-34-56-78-00-01', deviceType: 'esme', installCode: code })).toBe(`Added ${eui(1)} (ESME, install code ****${code.slice(-2).toUpperCase()} (18 bytes)).\n`);
    expect(await addDevice({ store }, { eui64: eui(1), deviceType: 'ESME', installCode: installCode(5).toString('hex') })).toContain('already in the log; its install code and TC link key were kept unchanged');

    // The hub, later, established a key with it.
    const secureElement = await FileSecureElement.open({ stateDir: store });
    const opened = await openStore({ path: store, secureElement });
    const key = Buffer.alloc(16, 0x5a);
    await (await DeviceLog.open(opened, { clock: new SystemClock() })).recordLinkKey(eui(1), key);
    await opened.close();

    const text = await listDevices({ store });
    expect(text).toMatch(/^EUI-64\s+TYPE\s+INSTALL CODE\s+TC LINK KEY\s+LAST COMMUNICATION\s+SIGNAL\n/);
    expect(text).toContain(`${eui(1)}  ESME`);
    expect(text).toContain('established, hash ');
    expect(text).toContain('1 of 16 Devices');
    const json = JSON.parse(await listDevices({ store }, true)) as { capacity: number; devices: Array<Record<string, unknown>> };
    expect(json.capacity).toBe(16);
    expect(json.devices[0]).toMatchObject({ eui64: eui(1), deviceType: 'ESME', gbcsDeviceType: 1, tcLinkKey: 'established', lastCommunication: '', signalStrength: null });
    for (const output of [text, JSON.stringify(json)]) {
      expect(output.toLowerCase()).not.toContain(code.toLowerCase());
      expect(output.toLowerCase()).not.toContain(key.toString('hex'));
    }

    expect(await removeDevice({ store }, eui(1))).toBe(`Removed ${eui(1)} from the CHF Device Log; its TC link key was kept in the Historic Device Log. The hub no longer admits or relays it.\n`);
    expect(await listDevices({ store })).toBe('The CHF Device Log is empty (capacity 16).\n');
    const historic = await listHistoric({ store });
    expect(historic).toContain(eui(1));
    expect(historic).not.toContain(key.toString('hex'));
    expect(JSON.parse(await listHistoric({ store }, true))).toMatchObject({ entries: [{ eui64: eui(1), tcLinkKey: '****5A (16 bytes)' }] });
  });

  it('refuses a mistyped install code with a clear error, adding nothing', async () => {
    const typo = installCode(1).toString('hex').replace(/.$/, (c) => (c === '0' ? '1' : '0'));
    const error = await rejection(addDevice({ store }, { eui64: eui(1), deviceType: 'ESME', installCode: typo }));
    expect(error).toBeInstanceOf(InstallCodeError);
    expect(error.message).toBe('install code: CRC does not match (mistyped or damaged install code)');
    expect(await listDevices({ store })).toContain('empty');
  });

  it('says clearly when another process holds the store with no control socket, and when there is no store', async () => {
    await addDevice({ store }, { eui64: eui(1), deviceType: 'GPF' });
    const held = await openStore({ path: store, secureElement: await FileSecureElement.open({ stateDir: store }) });
    try {
      const error = await rejection(listDevices({ store }));
      expect(error.code).toBe('STORE_IN_USE');
      expect(error.message).toContain('another process holds this store');
      expect(error.message).toContain('a hub still starting');
      expect(error.message).toContain('stop the hub first');
    } finally {
      await held.close();
    }
    const missing = join(dir, 'nowhere');
    expect((await rejection(listDevices({ store: missing }))).code).toBe('STORE_NOT_FOUND');
    expect((await rejection(removeDevice({ store: missing }, eui(1)))).code).toBe('STORE_NOT_FOUND');
    expect(existsSync(missing)).toBe(false);
    expect((await rejection(removeDevice({ store }, eui(2)))).code).toBe('DEVICE_NOT_IN_LOG');
  });

  it('runs as `hub devices` from the command line, JSON and errors included', async () => {
    const added = await hubDevices(['add', eui(3), 'PPMID', '--store', store, '--json'], `${installCode(3).toString('hex')}\n`);
    expect(JSON.parse(added.stdout)).toMatchObject({ added: true, device: { eui64: eui(3), deviceType: 'PPMID', gbcsDeviceType: 5 } });
    const failed = await hubDevices(['add', eui(4), 'toaster', '--store', store]);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain('"toaster" is not a device type');
  });

  it('takes an install code from standard input or a file, never from the command line', async () => {
    const code = installCode(5).toString('hex');
    const refused = await hubDevices(['add', eui(5), 'ESME', code, '--store', store]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('INSTALL_CODE_IN_ARGV');
    expect(refused.stderr).toContain('--install-code-file');
    expect(refused.stderr).not.toContain(code);
    expect(existsSync(store)).toBe(false);

    const missing = await hubDevices(['add', eui(5), 'ESME', '--store', store]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('INSTALL_CODE_NOT_GIVEN');

    expect((await hubDevices(['add', eui(5), 'ESME', '--store', store], `${code}\n`)).code).toBe(0);
    const file = join(dir, 'code.txt');
    await writeFile(file, `${installCode(6).toString('hex')}\n`, { mode: 0o600 });
    expect((await hubDevices(['add', eui(6), 'GSME', '--install-code-file', file, '--store', store])).code).toBe(0);
    expect((await hubDevices(['add', eui(7), 'GPF', '--store', store])).code).toBe(0);
    const listed = JSON.parse(await listDevices({ store }, true)) as { devices: Array<{ eui64: string }> };
    expect(listed.devices.map((d) => d.eui64).sort()).toEqual([eui(5), eui(6), eui(7)].sort());
  }, 180_000);
});
