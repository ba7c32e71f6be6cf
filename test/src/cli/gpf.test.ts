import { PassThrough, Readable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { registerGpf } from '../../../src/cli/gpf.js';
import type { PinCommandIo } from '../../../src/cli/pin.js';
import { GasProxyData } from '../../../src/gpf/index.js';
import { HUB_EVENTS, openHubLogs } from '../../../src/logs/index.js';
import { FileSecureElement } from '../../../src/security/file-secure-element.js';
import { openStore } from '../../../src/store/index.js';
import { fillDays } from '../gpf/fixtures.js';
import { tempDir } from '../store/helpers.js';
import { runPin } from './pin-cli.js';

const PIN = '482910';
const clock = new ManualClock(Date.UTC(2026, 3, 1));

/** Runs `hub gpf ...` in-process with the given lines piped on standard input. */
async function gpf(args: string[], lines: string[] = []): Promise<string> {
  const output = new PassThrough();
  let out = '';
  output.on('data', (chunk) => (out += String(chunk)));
  const io: PinCommandIo = { input: Readable.from(lines.map((line) => `${line}\n`)), prompt: new PassThrough(), output, clock };
  const program = new Command('hub').exitOverride().option('-c, --config <file>');
  registerGpf(program, io);
  await program.parseAsync(['gpf', ...args], { from: 'user' });
  return out;
}

/** Opens the store the way the hub does, runs `look`, and closes it again. */
async function inStore<T>(dir: string, look: (parts: { data: GasProxyData; codes: number[] }) => Promise<T>): Promise<T> {
  const store = await openStore({ path: dir, secureElement: await FileSecureElement.open({ stateDir: dir }) });
  try {
    const logs = await openHubLogs(store, clock);
    const codes = (await logs.securityLog.newest()).map((entry) => entry.code).reverse();
    return await look({ data: await GasProxyData.open(store), codes });
  } finally {
    await store.close();
  }
}

describe('hub gpf', () => {
  it('sets and clears Restrict Data only with the engineering PIN, logging each change, and the householder views follow', async () => {
    const dir = await tempDir('hub-cli-gpf-');
    await runPin(['set', '--store', dir], [PIN, PIN], clock);
    await inStore(dir, ({ data }) => fillDays(data, Date.UTC(2026, 2, 1)));
    expect(await gpf(['status', '--store', dir])).toBe('Restrict Data: off\nchange of tenancy: not set\n');

    await expect(gpf(['restrict', 'on', '--store', dir], ['000000'])).rejects.toMatchObject({ code: 'NO_AUTHORITY', message: expect.stringContaining('wrong PIN') });
    await inStore(dir, async ({ data, codes }) => {
      expect(await data.restrictData()).toBe(false);
      expect(codes.at(-1)).toBe(HUB_EVENTS.pinVerificationFailed.code);
    });

    expect(await gpf(['restrict', 'on', '--store', dir], [PIN])).toContain('Restrict Data on');
    await inStore(dir, async ({ data, codes }) => {
      expect(await data.restrictData()).toBe(true);
      expect(await data.dailyConsumptionLog('householder')).toEqual([]);
      expect(await data.dailyConsumptionLog('supplier')).toHaveLength(10);
      expect(codes.filter((code) => code === HUB_EVENTS.restrictDataChanged.code)).toHaveLength(1);
    });
    expect(await gpf(['restrict', 'on', '--store', dir], [PIN])).toBe('Restrict Data was already on\n');
    expect(JSON.parse(await gpf(['status', '--json', '--store', dir]))).toEqual({ restrictData: true, changeOfTenancy: null });

    expect(await gpf(['restrict', 'off', '--store', dir], [PIN])).toBe('Restrict Data off\n');
    await inStore(dir, async ({ data, codes }) => {
      expect(await data.restrictData()).toBe(false);
      expect(await data.dailyConsumptionLog('householder')).toHaveLength(10);
      expect(codes.filter((code) => code === HUB_EVENTS.restrictDataChanged.code)).toHaveLength(2);
    });

    await expect(gpf(['restrict', 'maybe', '--store', dir], [PIN])).rejects.toMatchObject({ code: 'BAD_STATE' });
    await inStore(dir, async ({ data }) => expect(await data.restrictData()).toBe(false));
  }, 20_000);

  it('refuses, and logs the attempt, where no engineering PIN is set', async () => {
    const dir = await tempDir('hub-cli-gpf-');
    await inStore(dir, async () => undefined);
    await expect(gpf(['restrict', 'on', '--store', dir], ['482910'])).rejects.toMatchObject({ code: 'NO_AUTHORITY', message: expect.stringContaining('no engineering PIN') });
    await inStore(dir, async ({ data, codes }) => {
      expect(await data.restrictData()).toBe(false);
      expect(codes).toEqual([HUB_EVENTS.sourceLacksAuthority.code]);
    });
    await expect(gpf(['status', '--store', `${dir}-absent`])).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
  });
});
