import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { SystemClock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { JoinWindows } from '../../../src/chf/join-window.js';
import { HanAdmission, type AdmissionSecurityEvent } from '../../../src/han/admission.js';
import { openLog, TempStore } from '../chf/helpers.js';

/** Admission against the real simulated NCP behind the real EZSP radio, over ASH on an in-memory line. */

const ESME = '00DB1234567890A0';
const INTRUDER = '00DB1234567890AF';

let temp: TempStore;
const cleanups: Array<() => Promise<void>> = [];
beforeEach(async () => {
  temp = await TempStore.create();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await temp.dispose();
});

async function rig(linkKeyRead?: { attempts: number; firstRetryMs: number }) {
  const clock = new SystemClock();
  const scenario = await loadScenario(undefined);
  const sim = new Simulator({ scenario, clock, seed: 7 });
  const [hostSide, ncpSide] = memoryTransportPair('admission-sim');
  sim.serve(ncpSide);
  const radio = new EzspRadio({ link: new AshEndpoint({ role: 'host', transport: hostSide, clock }), clock, commandTimeoutMs: 2000, reconnectDelayMs: 50, ...(linkKeyRead ? { linkKeyRead } : {}) });
  const { log } = await openLog(temp);
  const security: Array<{ code: AdmissionSecurityEvent; eui64: string }> = [];
  const admission = new HanAdmission({ radio, log, clock, security: { record: (code, { eui64 }) => void security.push({ code, eui64 }) } });
  const windows = new JoinWindows(log, admission, clock);
  cleanups.push(async () => {
    windows.stop();
    await admission.stop().catch(() => undefined);
    await log.close().catch(() => undefined);
    await radio.stop().catch(() => undefined);
    await sim.close();
  });
  await radio.start();
  await radio.formNetwork({ channel: 15, panId: 0x1234 });
  admission.start();
  const installCodeOf = (eui64: string) => scenario.devices.find((d) => d.eui64 === eui64)!.declaredInstallCode;
  return { sim, radio, log, admission, windows, security, installCodeOf };
}

describe('HAN admission with the simulated NCP', () => {
  it('admits a logged Device with its install code, records its TC link key, and un-joins it when it leaves the log', async () => {
    const { sim, radio, log, admission, windows, installCodeOf } = await rig();
    await log.add({ eui64: ESME, deviceType: 'ESME', installCode: installCodeOf(ESME) });
    await windows.open(ESME, 60);

    const reported = once(radio, 'linkKeyEstablished');
    const recorded = once(admission, 'linkKeyEstablished');
    expect(sim.join(ESME).joined).toBe(true);
    const [{ linkKey }] = await reported;
    await recorded;
    expect(log.get(ESME)?.tcLinkKey?.equals(linkKey)).toBe(true);
    expect(sim.device(ESME).joined).toBe(true);

    const removed = once(admission, 'deviceRemoved');
    await expect(log.remove(ESME)).resolves.toEqual({ removed: true, keptInHistoricLog: true });
    await removed;
    expect(sim.device(ESME).joined).toBe(false);
    expect(sim.status().devices.find((d) => d.eui64 === ESME)).toMatchObject({ joined: false });
    expect(log.historic.get(ESME)?.tcLinkKey.equals(linkKey)).toBe(true);
    expect(admission.isAdmitted(ESME)).toBe(false);
    // With no window and no place in the log, it cannot come back.
    expect(sim.join(ESME).joined).toBe(false);
  });

  it('refuses a Device that is not in the log and records it', async () => {
    const { sim, log, admission, windows, security, installCodeOf } = await rig();
    await log.add({ eui64: ESME, deviceType: 'ESME', installCode: installCodeOf(ESME) });
    await windows.open(ESME, 60);
    const refused = once(admission, 'refused');
    expect(sim.join(INTRUDER).joined).toBe(false);
    const [event] = await refused;
    expect(event).toMatchObject({ eui64: INTRUDER, code: 'JOIN_REFUSED_NOT_IN_LOG' });
    expect(security).toEqual([{ code: 'JOIN_REFUSED_NOT_IN_LOG', eui64: INTRUDER }]);
    expect(sim.device(INTRUDER).joined).toBe(false);
  });

  describe('a TC link key the NCP cannot give', () => {
    /** The NCP's key table answers "not found" for the ESME's key the first `times` reads after its join. */
    function failKeyReads(sim: Simulator, times: number): { reads: () => number } {
      const nvm = sim.ncp.nvm;
      const real = nvm.key.bind(nvm);
      let reads = 0;
      nvm.key = (eui64) => {
        if (eui64 !== ESME || !sim.device(ESME).joined) return real(eui64);
        reads++;
        return reads <= times ? undefined : real(eui64);
      };
      return { reads: () => reads };
    }

    it('is read again until the NCP gives it, and then recorded as any other', async () => {
      const { sim, log, admission, windows, installCodeOf } = await rig({ attempts: 4, firstRetryMs: 20 });
      const failing = failKeyReads(sim, 2);
      await log.add({ eui64: ESME, deviceType: 'ESME', installCode: installCodeOf(ESME) });
      await windows.open(ESME, 60);
      const unreadable: unknown[] = [];
      admission.on('linkKeyUnreadable', (event) => unreadable.push(event));
      const recorded = once(admission, 'linkKeyEstablished');
      expect(sim.join(ESME).joined).toBe(true);
      const [{ linkKey }] = (await recorded) as [{ linkKey: Buffer }];
      expect(failing.reads()).toBe(3);
      expect(log.get(ESME)?.tcLinkKey?.equals(linkKey)).toBe(true);
      expect(linkKey.equals(sim.device(ESME).tcLinkKey!)).toBe(true);
      expect(unreadable).toEqual([]);
      expect(admission.linkKeyUnread(ESME)).toBe(false);
    });

    it('is reported, with what the NCP said, when every read fails, and the Device Log holds no key for it', async () => {
      const { sim, log, admission, windows, installCodeOf } = await rig({ attempts: 3, firstRetryMs: 20 });
      const failing = failKeyReads(sim, Number.POSITIVE_INFINITY);
      await log.add({ eui64: ESME, deviceType: 'ESME', installCode: installCodeOf(ESME) });
      await windows.open(ESME, 60);
      const reported = once(admission, 'linkKeyUnreadable');
      expect(sim.join(ESME).joined).toBe(true);
      const [event] = (await reported) as [{ eui64: string; attempts: number; reason: string }];
      expect(event).toMatchObject({ eui64: ESME, attempts: 3 });
      expect(event.reason).toMatch(/exportLinkKeyByEui/);
      expect(failing.reads()).toBe(3);
      expect(log.get(ESME)?.tcLinkKey).toBeUndefined();
      expect(admission.linkKeyUnread(ESME)).toBe(true);
    });
  });
});
