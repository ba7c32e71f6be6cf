import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { main } from '../../../src/cli.js';
import { HUB_EVENTS, openHubLogs } from '../../../src/logs/index.js';
import { openStore } from '../../../src/store/index.js';
import { tempDir } from '../store/helpers.js';

let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

async function storeWithLogs(): Promise<string> {
  const path = await tempDir('hub-logs-cli-');
  const store = await openStore({ path });
  const clock = new ManualClock(Date.parse('2026-04-01T10:00:00Z'));
  const logs = await openHubLogs(store, clock);
  await logs.eventLog.record(HUB_EVENTS.deviceJoiningSucceeded.code, { eui64: '00DB1234567890A1' });
  await clock.advance(1000);
  await logs.eventLog.record(HUB_EVENTS.immediateCommandActioned.code);
  await logs.securityLog.record('JOIN_REFUSED_NOT_IN_LOG', { eui64: '00DB1234567890AF', reason: 'not in log' });
  await store.close();
  return path;
}

describe('hub logs', () => {
  it('prints the Event Log newest first for a person, and --limit cuts it', async () => {
    const path = await storeWithLogs();
    expect(await main(['logs', 'event', '--store', path])).toBe(0);
    const lines = stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\s+1 {2}2026-04-01T10:00:01\.000Z {2}0x8154 {2}Immediate HAN Interface Command Received and Successfully Actioned$/);
    expect(lines[1]).toMatch(/^\s+0 {2}2026-04-01T10:00:00\.000Z {2}0x8F49 {2}Device joining succeeded {2}\{"eui64":"00DB1234567890A1"\}$/);
    stdout = '';
    expect(await main(['logs', 'event', '--store', path, '--limit', '1'])).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(1);
  });

  it('prints the Security Log as JSON with the GBCS code a remote read would report', async () => {
    const path = await storeWithLogs();
    expect(await main(['logs', 'security', '--store', path, '--json'])).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      {
        sequence: 0,
        at: '2026-04-01T10:00:01.000Z',
        code: '0xE003',
        gbcsCode: '0x8F3E',
        name: HUB_EVENTS.unauthorisedJoinAttempt.name,
        detail: { eui64: '00DB1234567890AF', reason: 'not in log' },
      },
    ]);
  });

  it('says so when the store is missing, held by a process serving no control socket, or the limit is not a number', async () => {
    expect(await main(['logs', 'event', '--store', '/nonexistent/hub-store'])).toBe(2);
    expect(stderr).toMatch(/no hub store here.*\[STORE_NOT_FOUND\]/);

    const path = await storeWithLogs();
    const running = await openStore({ path });
    try {
      stderr = '';
      expect(await main(['logs', 'security', '--store', path])).toBe(2);
      expect(stderr).toMatch(/another process holds this store.*stop the hub first.*\[STORE_IN_USE\]/);
    } finally {
      await running.close();
    }
    stderr = '';
    expect(await main(['logs', 'event', '--store', path, '--limit', 'x'])).not.toBe(0);
    expect(stderr).toMatch(/whole number/);
    const empty = await tempDir('hub-logs-cli-');
    await (await openStore({ path: empty })).close();
    stdout = '';
    expect(await main(['logs', 'event', '--store', empty])).toBe(0);
    expect(stdout).toBe('the event log is empty\n');
  });
});
