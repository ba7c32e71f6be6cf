import { SystemClock } from '../../../hal/clock.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { withInstallCodeCrc } from '../../../hal/install-code.js';
import { silentLogger } from '../../../hal/log.js';
import { parseScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { DEFAULT_CONFIG, type HubConfig } from '../../../src/config.js';
import { startHub, type Hub } from '../../../src/compose.js';
import type { JoinProgressEvent } from '../../../src/installer/join-stages.js';

/**
 * The join-progress stream over the whole hub (startHub over ASH to the simulated NCP, LevelDB on
 * disk): each stage is reported from the layer where it happens, and each failure is named.
 */
const CHF = '00DB1234567890B0';
const PPMID = '00DB1234567890B4';
const STRANGER = '00DB1234567890BF';
const WAITING = '00DB1234567890B1';
const code = () => withInstallCodeCrc(randomBytes(16)).toString('hex').toUpperCase();

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function rig(): Promise<{ hub: Hub; sim: Simulator; ppmidCode: string; waitingCode: string; events: JoinProgressEvent[] }> {
  const ppmidCode = code();
  const waitingCode = code();
  const scenario = [
    `network:\n  eui64: ${CHF}\ndevices:`,
    `  - name: ppmid\n    eui64: ${PPMID}\n    type: PPMID\n    installCode: ${ppmidCode}\n    commissioned: false`,
    `  - name: stranger\n    eui64: ${STRANGER}\n    type: IHD\n    installCode: ${code()}`,
    // Joins only when told to: its window runs out.
    `  - name: waiting\n    eui64: ${WAITING}\n    type: ESME\n    installCode: ${waitingCode}`,
  ].join('\n');
  const sim = new Simulator({ scenario: parseScenario(`${scenario}\n`, 'join-progress scenario'), clock: new SystemClock() });
  cleanups.push(() => sim.close());
  const [hostSide, ncpSide] = memoryTransportPair('join-progress');
  sim.serve(ncpSide);
  const dir = await mkdtemp(join(tmpdir(), 'hub-join-progress-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const config: HubConfig = { ...structuredClone(DEFAULT_CONFIG), store: { path: join(dir, 'state') } };
  // The demo head end's ACB is trusted, so CS14 alerts are sealed (there is no broker: they go nowhere).
  const hub = await startHub({ config, logger: silentLogger, transport: hostSide, demoHeadEnd: true });
  cleanups.push(() => hub.stop());
  hub.gbcs.start();
  const events: JoinProgressEvent[] = [];
  hub.joinProgress.on('progress', (event) => events.push(event));
  return { hub, sim, ppmidCode, waitingCode, events };
}

const until = (events: JoinProgressEvent[], done: (e: JoinProgressEvent) => boolean) => expect.poll(() => events.some(done), { timeout: 20_000 }).toBe(true);

describe('join progress', () => {
  it('follows a locally added Device from whitelisting to its first GBCS message, in order', async () => {
    const { hub, sim, ppmidCode, events } = await rig();
    await hub.deviceLog.add({ eui64: PPMID, deviceType: 'PPMID', installCode: ppmidCode });
    await hub.joinWindows.open(PPMID, 120);
    await until(events, (e) => e.stage === 'cs14AlertSent' && events.some((k) => k.stage === 'linkKeyEstablished'));
    sim.sendGbcs(PPMID, Buffer.from('DD000000000000000000', 'hex'));
    await until(events, (e) => e.stage === 'firstMessage');

    const journey = hub.joinProgress.journey(PPMID)!;
    expect(journey.state).toBe('talking');
    expect(journey.deviceType).toBe('PPMID');
    const stages = journey.steps.map((s) => s.stage);
    // The causal order; a sealed alert and the radio's answers may land between them.
    const order = ['whitelisted', 'windowOpened', 'heard', 'linkKeyEstablished', 'firstMessage'].map((stage) => stages.indexOf(stage as JoinProgressEvent['stage']));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(stages).toContain('windowHalf');
    // One CS14 for the whitelisting, one for the new key.
    expect(stages.lastIndexOf('cs14AlertSent')).toBeGreaterThan(stages.indexOf('linkKeyEstablished'));
    expect(stages.filter((s) => s === 'cs14AlertSent')).toHaveLength(2);
    expect(journey.steps[0]).toMatchObject({ stage: 'whitelisted', by: 'local' });
    const opened = journey.steps.find((s) => s.stage === 'windowOpened');
    // No history: the whole join_timeout is the install-code half.
    expect(opened).toMatchObject({ halves: [{ phase: 'installCode' }] });
    if (opened?.stage === 'windowOpened') expect(opened.halves[0]!.closesAt - opened.halves[0]!.opensAt).toBe(120_000);
    expect(journey.steps.at(-1)).toMatchObject({ stage: 'firstMessage', direction: 'fromDevice' });
  });

  it('names a wrong install code, and gives a Device with history both halves of its window', async () => {
    const { hub, ppmidCode, events } = await rig();
    await hub.deviceLog.add({ eui64: PPMID, deviceType: 'PPMID', installCode: code() });
    await hub.joinWindows.open(PPMID, 120);
    await until(events, (e) => e.stage === 'failed');
    expect(hub.joinProgress.journey(PPMID)).toMatchObject({ state: 'failed' });
    expect(events.find((e) => e.stage === 'failed')).toMatchObject({ failure: 'wrongInstallCode', final: true });
    expect(events.filter((e) => e.stage === 'heard')).toHaveLength(1);

    // With the right code it joins; removed, its key goes to the Historic Device Log, and a new window has two halves.
    await hub.deviceLog.remove(PPMID);
    expect(hub.joinProgress.journey(PPMID)?.state).toBe('removed');
    await hub.deviceLog.add({ eui64: PPMID, deviceType: 'PPMID', installCode: ppmidCode, origin: 'CCS01' });
    await hub.joinWindows.open(PPMID, 120);
    await until(events, (e) => e.stage === 'linkKeyEstablished');
    await hub.deviceLog.remove(PPMID);
    await hub.admission.settled();
    expect(hub.deviceLog.historic.get(PPMID)).toBeDefined();
    await hub.deviceLog.add({ eui64: PPMID, deviceType: 'PPMID', installCode: ppmidCode, origin: 'CCS01' });
    expect(hub.joinProgress.journey(PPMID)?.steps[0]).toMatchObject({ stage: 'whitelisted', by: 'CCS01' });
    await hub.joinWindows.open(PPMID, 100);
    const opened = hub.joinProgress.journey(PPMID)!.steps.find((s) => s.stage === 'windowOpened');
    expect(opened).toMatchObject({ halves: [{ phase: 'historicKey' }, { phase: 'installCode' }] });
    if (opened?.stage === 'windowOpened') {
      const [first, second] = opened.halves;
      expect([first!.closesAt - first!.opensAt, second!.opensAt, second!.closesAt - second!.opensAt]).toEqual([50_000, first!.closesAt, 50_000]);
    }
  });

  it('names a Device that is not whitelisted, and a window that closed', async () => {
    const { hub, sim, waitingCode, events } = await rig();
    await hub.deviceLog.add({ eui64: WAITING, deviceType: 'ESME', installCode: waitingCode });
    // The window is open (for a Device that does not ask): the stranger asks and has no key.
    await hub.joinWindows.open(WAITING, 2);
    sim.join(STRANGER);
    await until(events, (e) => e.eui64 === STRANGER && e.stage === 'failed');
    expect(hub.joinProgress.journey(STRANGER)).toMatchObject({ state: 'failed', steps: [{ stage: 'failed', failure: 'notWhitelisted', final: true }] });
    await until(events, (e) => e.eui64 === WAITING && e.stage === 'failed');
    expect(hub.joinProgress.journey(WAITING)).toMatchObject({ state: 'failed' });
    expect(hub.joinProgress.journey(WAITING)?.steps.at(-1)).toMatchObject({ stage: 'failed', failure: 'windowClosed', final: true });
  });
});
