import { afterEach, describe, expect, it } from 'vitest';
import { GasProxyData, GPF_VIEWS, type GpfViewName } from '../../../src/gpf/index.js';
import { HouseholderView, PrivacyPinError } from '../../../src/gpf/householder-view.js';
import { openPinRig, rejection, START, type PinRig } from '../security/pin-helpers.js';
import { DAY, fillDays } from './fixtures.js';

const PRIVACY = '7193';
const SUPPLIER = { by: 'command', command: { role: 'supplier', service: '3.5' } } as const;
const MINUTE = 60_000;

let rig: PinRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function open(): Promise<{ r: PinRig; data: GasProxyData; view: HouseholderView }> {
  const r = await openPinRig();
  rig = r;
  const data = await GasProxyData.open(r.store);
  await fillDays(data, START - 10 * DAY);
  return { r, data, view: new HouseholderView(data, r.pins) };
}

async function refusal(promise: Promise<unknown>): Promise<PrivacyPinError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(PrivacyPinError);
  return error as PrivacyPinError;
}

const VIEWS = Object.keys(GPF_VIEWS) as GpfViewName[];
const readView = (view: HouseholderView, name: GpfViewName, pin: string | undefined) => view.read(name, pin);

describe("the householder's local views", () => {
  it('are open while no privacy PIN is set, and are the householder view (from the change of tenancy on)', async () => {
    const { data, view } = await open();
    await data.setChangeOfTenancy(START - 3 * DAY);
    expect(await view.pinRequired()).toBe(false);
    // Days count from their start, so the day the tenancy began part-way through is not shown.
    expect((await view.read('dailyConsumptionLog', undefined)).map((d) => d.consumption)).toEqual([8, 9]);
    expect(await view.read('dailyConsumptionLog', undefined, { from: START - 2 * DAY })).toEqual(await data.dailyConsumptionLog('householder', { from: START - 2 * DAY }));
    for (const name of VIEWS) expect(await readView(view, name, undefined), name).toEqual(await data[name]('householder'));
  });

  it('every view needs the privacy PIN once it is set; the supplier view does not change', async () => {
    const { r, data, view } = await open();
    await r.pins.set('privacy', PRIVACY, { by: 'installation' }, 'local');
    for (const name of VIEWS) {
      expect((await refusal(readView(view, name, undefined))).code, name).toBe('PRIVACY_PIN_REQUIRED');
      expect(await readView(view, name, PRIVACY), name).toEqual(await data[name]('householder'));
    }
    expect(await data.dailyConsumptionLog('supplier')).toHaveLength(10);
    // Asking without a PIN is not a wrong PIN: nothing counted, nothing logged.
    expect(await r.pins.status('privacy')).toMatchObject({ failures: 0 });
    expect((await r.security()).map(([name]) => name)).toEqual(['pinChanged']);
  });

  it('counts wrong PINs, locks for the lockout on the Clock, and logs each without the PIN', async () => {
    const { r, data, view } = await open();
    await r.pins.set('privacy', PRIVACY, { by: 'installation' }, 'local');
    expect((await refusal(view.read('profileData', '8080'))).code).toBe('PRIVACY_PIN_WRONG');
    expect((await refusal(view.read('profileData', '8081'))).code).toBe('PRIVACY_PIN_WRONG');
    const locked = await refusal(view.read('profileData', '8082'));
    expect(locked).toMatchObject({ code: 'PRIVACY_PIN_LOCKED', retryAfterMs: MINUTE, message: /try again in 60 s/ });
    await r.clock.advance(MINUTE - 1);
    expect(await refusal(view.read('meterBalance', PRIVACY))).toMatchObject({ code: 'PRIVACY_PIN_LOCKED', retryAfterMs: 1 });
    await r.clock.advance(1);
    expect(await view.read('meterBalance', PRIVACY)).toEqual(await data.meterBalance('householder'));
    const log = await r.security();
    expect(log.filter(([name, detail]) => name === 'pinVerificationFailed' && detail['via'] === 'local' && detail['kind'] === 'privacy')).toHaveLength(4);
    expect(log.filter(([name]) => name === 'pinLockedOut')).toHaveLength(1);
    expect(JSON.stringify(log)).not.toMatch(/7193|808[0-2]/);
  });

  it("opens again once the supplier's command removes the PIN, and refuses a name that is not a view", async () => {
    const { r, view } = await open();
    await r.pins.set('privacy', PRIVACY, { by: 'installation' }, 'local');
    await r.pins.remove('privacy', SUPPLIER, 'gbcs');
    expect(await view.pinRequired()).toBe(false);
    expect(await view.read('readRegisters', undefined)).toBeDefined();
    expect(await view.read('readRegisters', '8080')).toBeDefined();
    await expect(view.read('counts' as GpfViewName, undefined)).rejects.toMatchObject({ code: 'GPF_BAD_RANGE' });
  });
});
