import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../hal/clock.js';
import { ACTIVATION_RESPONSE, ActivationSchedule, CANCEL_ACTIVATION_AT, type ActivationOutcome } from '../../../src/firmware/index.js';
import { openStore, type Store } from '../../../src/store/index.js';

const ESME = '00DB1234567890A0';
const HASH = '7542f475e3f12eae887d81e32c46d313741d67076b13caec2f82e00ba5e1bb36';
const OTHER = 'ab'.repeat(32);
const held = { entry: (hash: string) => (hash === HASH || hash === OTHER ? { hash } : undefined) } as never;

describe('CS06 activations, now, later and cancelled', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let ran: Array<[string, string, number]>;
  let fired: ActivationOutcome[];
  let failing: boolean;

  const open = async (): Promise<ActivationSchedule> => {
    store = await openStore({ path: dir });
    const schedule = await ActivationSchedule.open({
      store, images: held, clock,
      execute: async (target, hash) => {
        ran.push([target, hash, clock.now()]);
        if (failing) throw new Error('the Device did not come up');
        return Buffer.from('00010002', 'hex');
      },
    });
    schedule.on('futureActivation', (outcome) => fired.push(outcome));
    await schedule.start();
    return schedule;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-activation-'));
    clock = new ManualClock(Date.UTC(2026, 5, 1));
    ran = [];
    fired = [];
    failing = false;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('activates at once with no date-time, answering with the version now running, and refuses an image not held', async () => {
    const schedule = await open();
    expect(await schedule.schedule(ESME, HASH.toUpperCase())).toMatchObject({ kind: 'immediate', outcome: { response: ACTIVATION_RESPONSE.success, firmwareVersion: Buffer.from('00010002', 'hex') } });
    expect(await schedule.schedule(ESME, 'cd'.repeat(32))).toEqual({ kind: 'refused', response: ACTIVATION_RESPONSE.noImageHeld });
    failing = true;
    expect(await schedule.schedule(ESME, HASH, clock.now() - 1000)).toMatchObject({ kind: 'immediate', outcome: { response: ACTIVATION_RESPONSE.activationFailure } });
    expect(ran).toHaveLength(2);
    expect(fired).toEqual([]);
  });

  it('keeps a future-dated activation across a restart and runs it once, at its time', async () => {
    let schedule = await open();
    const at = clock.now() + 3600_000;
    expect(await schedule.schedule(ESME, HASH, at)).toEqual({ kind: 'scheduled', at });
    await clock.advance(1800_000);
    schedule.stop();
    await store.close();
    schedule = await open();
    expect(await schedule.pending(ESME)).toEqual({ hash: HASH, at });
    await clock.advance(1799_000);
    expect(ran).toEqual([]);
    await clock.advance(1000);
    await expect.poll(() => fired.length).toBe(1);
    expect(ran).toEqual([[ESME, HASH, at]]);
    expect(fired[0]).toMatchObject({ target: ESME, hash: HASH, response: ACTIVATION_RESPONSE.success });
    expect(await schedule.pending(ESME)).toBeUndefined();
    schedule.stop();
    await store.close();
    schedule = await open();
    await clock.advance(3600_000);
    expect(ran).toHaveLength(1);
  });

  it('runs at start one whose time passed while the hub was down, and reports a failure as such', async () => {
    let schedule = await open();
    await schedule.schedule(ESME, HASH, clock.now() + 60_000);
    schedule.stop();
    await store.close();
    await clock.advance(120_000);
    failing = true;
    schedule = await open();
    await clock.advance(0);
    await expect.poll(() => fired.length).toBe(1);
    expect(fired[0]!.response).toBe(ACTIVATION_RESPONSE.activationFailure);
  });

  it('cancels the pending one with 9999-12-31T23:59:59, and a new one replaces the old', async () => {
    let schedule = await open();
    await schedule.schedule(ESME, HASH, clock.now() + 60_000);
    await schedule.schedule(ESME, OTHER, clock.now() + 120_000);
    await clock.advance(90_000);
    expect(ran).toEqual([]);
    expect(await schedule.schedule(ESME, OTHER, CANCEL_ACTIVATION_AT)).toEqual({ kind: 'cancelled', had: true });
    expect(await schedule.schedule(ESME, OTHER, CANCEL_ACTIVATION_AT)).toEqual({ kind: 'cancelled', had: false });
    schedule.stop();
    await store.close();
    schedule = await open();
    await clock.advance(3600_000);
    expect(ran).toEqual([]);
    expect(fired).toEqual([]);
  });
});
