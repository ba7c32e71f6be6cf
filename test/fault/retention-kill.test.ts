import { spawn } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../hal/sim/random.js';
import { dayKey, GasProxyData } from '../../src/gpf/index.js';
import { FileSecureElement } from '../../src/security/file-secure-element.js';
import { PERSONAL_DATA } from '../../src/privacy/personal-data.js';
import { openStore } from '../../src/store/index.js';
import { tempDir } from '../src/store/helpers.js';
import { prepayment, registersAt } from '../src/gpf/fixtures.js';

/**
 * A retention purge killed with SIGKILL at seeded random moments leaves every GPF domain either as
 * it was or purged, never half of one, with each log's count matching its entries; a pass run to
 * the end afterwards finishes the job. The purge runs in a child (test/fault/retention-child.ts).
 */
const CHILD = fileURLToPath(new URL('./retention-child.ts', import.meta.url));
const KILLS = 5;
const SEED = 20_261_122;
const DAY = 24 * 3600 * 1000;
const HALF_HOUR = 1800_000;
const FIRST = Date.UTC(2025, 0, 1);
const DAYS = 390;
/** Noon, 200 days in: the purge takes about half of everything and trims the profile day it cuts. */
const CUTOFF = FIRST + 200 * DAY + 12 * 3600_000;

function nowFor(cutoff: number): number {
  const retention = PERSONAL_DATA.consumption.retention;
  if (retention.kind !== 'age') throw new Error('consumption is not kept by age');
  return cutoff + retention.days * DAY;
}

type Views = Record<string, unknown[]>;

/** Every domain's entries through the supplier's views, after checking each log's count matches them. */
async function read(dir: string): Promise<Views> {
  const store = await openStore({ path: dir, secureElement: await FileSecureElement.open({ stateDir: dir }) });
  try {
    expect(store.recoveryProblems).toEqual([]);
    const gpf = await GasProxyData.open(store);
    const registers = await gpf.readRegisters('supplier');
    const views: Views = {
      registers: registers ? [registers] : [],
      dailyReadLog: await gpf.dailyReadLog('supplier'),
      prepaymentDailyReadLog: await gpf.prepaymentDailyReadLog('supplier'),
      dailyConsumptionLog: await gpf.dailyConsumptionLog('supplier'),
      billingDataLog: await gpf.billingDataLog('supplier'),
      profileData: await gpf.profileData('supplier'),
    };
    const counts = gpf.counts();
    for (const log of ['dailyReadLog', 'prepaymentDailyReadLog', 'dailyConsumptionLog', 'billingDataLog'] as const) expect(counts[log], log).toBe(views[log]!.length);
    expect(counts.profileDataLog).toBe(new Set((views['profileData'] as Array<{ start: number }>).map(({ start }) => dayKey(start))).size);
    return views;
  } finally {
    await store.close();
  }
}

async function fill(dir: string): Promise<void> {
  const store = await openStore({ path: dir, secureElement: await FileSecureElement.open({ stateDir: dir }) });
  const gpf = await GasProxyData.open(store);
  const days = Array.from({ length: DAYS }, (_, i) => FIRST + i * DAY);
  await gpf.recordDailyConsumption(days.map((start, i) => ({ day: dayKey(start), consumption: i })));
  // One synced write per daily read: a few either side of the cut-off are enough.
  for (const start of days.slice(190, 210)) {
    await gpf.recordDailyRead({ day: dayKey(start), ...registersAt(start + DAY - 1000, 1) });
    await gpf.recordPrepaymentDailyRead({ day: dayKey(start), at: start + 6 * 3600_000, ...prepayment });
  }
  for (let month = 0; month < 12; month++) await gpf.recordBillingSnapshot(registersAt(Date.UTC(2025, month, 1), month));
  await gpf.recordProfileData(days.flatMap((start) => [0, 11, 24, 47].map((slot) => ({ start: start + slot * HALF_HOUR, consumption: slot }))));
  await gpf.recordReading(registersAt(FIRST + 150 * DAY, 7));
  await store.close();
}

/** What the purge leaves: everything describing a time at or after the cut-off. */
function purged(before: Views): Views {
  const timeOf = (entry: unknown): number => {
    const e = entry as Record<string, unknown>;
    return (e['at'] ?? e['start'] ?? Date.parse(`${String(e['day'])}T00:00:00Z`)) as number;
  };
  return Object.fromEntries(Object.entries(before).map(([name, entries]) => [name, entries.filter((entry) => timeOf(entry) >= CUTOFF)]));
}

/** Starts the child, and once its store is open tells it to purge; kills it `killAfterMs` later (never, if undefined). */
async function purgeInChild(dir: string, killAfterMs: number | undefined): Promise<{ done: boolean; signal: NodeJS.Signals | null; code: number | null }> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), CHILD, dir, String(nowFor(CUTOFF))], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  const lines: string[] = [];
  const closed = new Promise<{ signal: NodeJS.Signals | null; code: number | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line === 'ready') resolve();
    });
    void closed.then(() => reject(new Error(`the child ended before its store was open: ${stderr}`)));
  });
  await ready;
  child.stdin.end('go\n');
  if (killAfterMs !== undefined) {
    await sleep(killAfterMs);
    child.kill('SIGKILL');
  }
  const end = await closed;
  if (killAfterMs === undefined) expect(end, stderr).toEqual({ code: 0, signal: null });
  return { done: lines.includes('done'), ...end };
}

describe('a retention purge under SIGKILL', () => {
  it(`leaves each GPF domain whole, old or purged, across ${KILLS} kills, and a full pass finishes it`, async () => {
    const root = await tempDir('hub-retention-kill-');
    const [template, dir] = [join(root, 'template'), join(root, 'store')];
    await fill(template);
    const restore = async () => {
      await rm(dir, { recursive: true, force: true });
      await cp(template, dir, { recursive: true });
    };
    await restore();
    const before = await read(dir);
    const after = purged(before);
    for (const [name, entries] of Object.entries(before)) {
      expect(after[name]!.length, name).toBeLessThan(entries.length);
      expect(after[name]!.length + (name === 'registers' ? 1 : 0), name).toBeGreaterThan(0);
    }

    const random = new SeededRandom(SEED);
    let mixed = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const outcome = await purgeInChild(dir, random.below(40));
      const state = await read(dir);
      const purgedNames = Object.keys(before).filter((name) => {
        const now = JSON.stringify(state[name]);
        if (now === JSON.stringify(after[name])) return true;
        expect(now, `${name} after kill ${kill}: neither as it was nor purged`).toBe(JSON.stringify(before[name]));
        return false;
      });
      if (outcome.done) expect(purgedNames.length).toBe(Object.keys(before).length);
      if (purgedNames.length > 0 && purgedNames.length < Object.keys(before).length) mixed++;
      // The next kill starts from the old state again.
      await restore();
    }

    expect((await purgeInChild(dir, undefined)).done).toBe(true);
    expect(await read(dir)).toEqual(after);
    console.info(`retention purge: ${KILLS} kills, ${mixed} between two domains' writes; a full pass after them left exactly the purged state`);
  }, 60_000);
});
