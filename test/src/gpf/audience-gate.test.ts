import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HubError } from '../../../hal/errors.js';
import { GasProxyData, GPF_VIEWS, type Audience, type GpfViewName, type ViewRequest } from '../../../src/gpf/index.js';
import { audienceOf } from '../../../src/gpf/use-cases/gbz-answers.js';
import type { UseCaseCommand } from '../../../src/use-case/use-case.js';
import { ROLE_BY_OU, type RemotePartyRole } from '../../../src/security/certificates.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { dataKeyOf, tempDir } from '../store/helpers.js';
import { DAY, fillDays } from './fixtures.js';

const FIRST = Date.UTC(2026, 2, 1);

let stores: Store[] = [];
afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
});

async function open(path: string, dataKey: { dataKey: () => Promise<Buffer> }): Promise<GasProxyData> {
  const store = await openStore({ path, secureElement: dataKey });
  stores.push(store);
  return GasProxyData.open(store);
}

/** Ten days of everything the GPF keeps, 1..10 March 2026, and the latest registers on the 10th. */
async function populated() {
  const path = await tempDir('hub-gate-');
  const dataKey = dataKeyOf();
  const gpf = await open(path, dataKey);
  await fillDays(gpf, FIRST);
  return { gpf, path, dataKey };
}

/** Calls a view by its name in GPF_VIEWS, as a list (a single value becomes a list of one). */
async function view(gpf: GasProxyData, name: GpfViewName, audience: Audience): Promise<unknown[]> {
  const method = gpf[name] as (audience: Audience) => Promise<unknown>;
  const result = await method.call(gpf, audience);
  return Array.isArray(result) ? result : [result].filter((value) => value !== undefined);
}

/** When an entry a view returned happened: a snapshot's time, an interval's start, a day's start. */
function timeOf(entry: unknown): number {
  const e = entry as Record<string, unknown>;
  return (e['at'] ?? e['start'] ?? Date.parse(`${String(e['day'])}T00:00:00Z`)) as number;
}

const NAMES = Object.keys(GPF_VIEWS) as GpfViewName[];

describe('every householder view of the GPF', () => {
  it('honours the change-of-tenancy date and the Restrict Data flag, and neither narrows the supplier', async () => {
    const { gpf, path, dataKey } = await populated();
    const supplier = new Map<GpfViewName, unknown[]>();
    for (const name of NAMES) {
      supplier.set(name, await view(gpf, name, 'supplier'));
      expect(supplier.get(name)!.length, name).toBeGreaterThan(0);
      expect(await view(gpf, name, 'householder'), name).toEqual(supplier.get(name));
    }

    const tenancy = FIRST + 5 * DAY;
    await gpf.setChangeOfTenancy(tenancy);
    for (const name of NAMES) {
      const seen = await view(gpf, name, 'householder');
      expect(seen.length, name).toBeGreaterThan(0);
      // The logs lose their first days; the latest registers were read after the date.
      if (supplier.get(name)!.length > 1) expect(seen.length, name).toBeLessThan(supplier.get(name)!.length);
      for (const entry of seen) expect(timeOf(entry), name).toBeGreaterThanOrEqual(tenancy);
    }

    expect(await gpf.restrictData()).toBe(false);
    await gpf.setRestrictData(true);
    for (const name of NAMES) {
      expect(await view(gpf, name, 'householder'), name).toEqual([]);
      expect(await view(gpf, name, 'supplier'), name).toEqual(supplier.get(name));
    }
    // A date range inside what the tenancy allows is withheld as well.
    expect(await gpf.dailyConsumptionLog('householder', { from: tenancy + DAY })).toEqual([]);

    // The flag is on disk: it holds after a restart with no one setting it again.
    await stores.pop()!.close();
    const again = await open(path, dataKey);
    expect(await again.restrictData()).toBe(true);
    for (const name of NAMES) expect(await view(again, name, 'householder'), name).toEqual([]);

    await again.setRestrictData(false);
    for (const name of NAMES) {
      const seen = await view(again, name, 'householder');
      expect(seen.length, name).toBeGreaterThan(0);
      for (const entry of seen) expect(timeOf(entry), name).toBeGreaterThanOrEqual(tenancy);
      expect(await view(again, name, 'supplier'), name).toEqual(supplier.get(name));
    }
  }, 30_000);

  it('runs the added checks before every householder view (never a supplier\'s), and a refusal shows nothing', async () => {
    const { gpf } = await populated();
    const asked: ViewRequest[] = [];
    const remove = gpf.gate.addCheck(async (request) => {
      asked.push(request);
      throw new HubError('PRIVACY_PIN_NEEDED', 'the privacy PIN was not given', { where: request.view });
    });
    for (const name of NAMES) {
      await expect(view(gpf, name, 'householder'), name).rejects.toMatchObject({ code: 'PRIVACY_PIN_NEEDED', where: name });
      expect((await view(gpf, name, 'supplier')).length, name).toBeGreaterThan(0);
    }
    expect(asked.map((request) => request.view)).toEqual(NAMES);
    expect(asked.every((request) => request.audience === 'householder')).toBe(true);
    remove();
    for (const name of NAMES) expect((await view(gpf, name, 'householder')).length, name).toBeGreaterThan(0);
  }, 30_000);

  it('refuses an audience that is neither, and a Restrict Data value that is not a boolean, changing nothing', async () => {
    const { gpf } = await populated();
    await expect(gpf.readRegisters('neighbour' as Audience)).rejects.toMatchObject({ code: 'GPF_BAD_RANGE', where: 'audience' });
    await expect(gpf.setRestrictData('yes' as unknown as boolean)).rejects.toMatchObject({ code: 'GPF_BAD_VALUE', where: 'restrictData' });
    expect(await gpf.restrictData()).toBe(false);
  });
});

describe('the gate cannot be bypassed', () => {
  /** GasProxyData's methods that show no consumption, tariff or prepayment data. */
  const NOT_VIEWS = new Set([
    'constructor', 'recordReading', 'recordDailyRead', 'recordPrepaymentDailyRead', 'recordDailyConsumption', 'recordBillingSnapshot', 'recordProfileData',
    'setChangeOfTenancy', 'changeOfTenancy', 'setMprn', 'mprn', 'setRestrictData', 'restrictData', 'counts', 'purgeExpired',
  ]);

  it('every GasProxyData method is a view the gate knows or one that shows no data', () => {
    const methods = Object.getOwnPropertyNames(GasProxyData.prototype).filter((name) => {
      const descriptor = Object.getOwnPropertyDescriptor(GasProxyData.prototype, name);
      return typeof descriptor?.value === 'function';
    });
    // TypeScript's private methods are still on the prototype: only the public ones are checked here.
    const privates = new Set(['floor', 'window', 'readLog', 'latest', 'prepaymentOf', 'purgeLatest', 'purgeLog', 'purgeProfile']);
    const unclassified = methods.filter((name) => !privates.has(name) && !NOT_VIEWS.has(name) && !(name in GPF_VIEWS));
    expect(unclassified, 'add a new view to GPF_VIEWS (audience-gate.ts) so the gate applies to it').toEqual([]);
    for (const name of NAMES) expect(methods, name).toContain(name);
  });

  it('no source file outside the GPF store asks for a view with a fixed audience', async () => {
    const root = join(import.meta.dirname, '../../../src');
    const files = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts') && !file.endsWith('gas-proxy-data.ts'));
    const call = new RegExp(`\\.(${NAMES.join('|')})\\(\\s*(['"\`])`);
    const offenders: string[] = [];
    for (const file of files) if (call.test(await readFile(join(root, file), 'utf8'))) offenders.push(file);
    expect(offenders, 'pass audienceOf(command) (or the audience you were given), never a literal').toEqual([]);
  });

  it('gives the whole copy only to suppliers and network operators: every other role is the householder', () => {
    const roles = new Set<RemotePartyRole>([...Object.values(ROLE_BY_OU), 'otherUser', 'issuingAuthority']);
    for (const role of roles) {
      const command = { remoteParty: { eui: '90B3D51F30000009', role } } as UseCaseCommand;
      expect(audienceOf(command), role).toBe(role === 'supplier' || role === 'networkOperator' ? 'supplier' : 'householder');
    }
  });
});
