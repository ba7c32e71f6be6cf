import { afterEach, describe, expect, it } from 'vitest';
import { AshEndpoint } from '../../../hal/ash/index.js';
import { ManualClock, SystemClock } from '../../../hal/clock.js';
import { EzspRadio } from '../../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../../hal/install-code.js';
import { loadScenario } from '../../../hal/sim/scenario.js';
import { Simulator } from '../../../hal/sim/simulator.js';
import { memoryTransportPair } from '../../../hal/transport/memory.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { HubTime, TIME_ATTRIBUTES, TimeClusterServer, UNKNOWN_TIME } from '../../../src/time/index.js';
import {
  decodeDefaultResponse,
  decodeReadAttributesResponse,
  decodeZclFrame,
  encodeReadAttributes,
  encodeZclFrame,
  type ZclHeader,
} from '../../../hal/zcl/index.js';
import { tempDir } from '../store/helpers.js';

/**
 * The Time cluster server on the real Radio (EZSP over ASH against the simulated NCP): the ESME
 * asks, the hub answers over the air, and the test reads what the ESME received.
 */
const ESME = '00DB1234567890A0';
const SE = { profileId: 0x0109, clusterId: 0x000a, sourceEndpoint: 1, destinationEndpoint: 1 };
const zb = (iso: string) => (Date.parse(iso) - Date.parse('2000-01-01T00:00:00Z')) / 1000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function rig() {
  const scenario = await loadScenario(undefined);
  const radioClock = new SystemClock();
  const sim = new Simulator({ scenario, clock: radioClock, ezspVersion: 13, seed: 1 });
  const [hostSide, ncpSide] = memoryTransportPair('time-test');
  sim.serve(ncpSide);
  const link = new AshEndpoint({ role: 'host', transport: hostSide, clock: radioClock });
  const radio = new EzspRadio({ link, clock: radioClock, reconnectDelayMs: 50, commandTimeoutMs: 2000 });
  const store: Store = await openStore({ path: await tempDir('hub-time-server-') });
  cleanups.push(async () => {
    server.stop();
    await radio.stop().catch(() => undefined);
    await sim.close();
    await store.close();
  });
  await radio.start();
  await radio.formNetwork({ channel: 15, panId: 0x1234 });
  const code = scenario.devices.find((d) => d.eui64 === ESME)!.installCode;
  await radio.permitJoining([{ eui64: ESME, linkKey: linkKeyFromInstallCode(code) }], 60);
  expect(sim.join(ESME).joined).toBe(true);
  const clock = new ManualClock(Date.parse('2026-03-29T00:59:59Z'));
  const time = await HubTime.open({ store, clock });
  const server = new TimeClusterServer(radio, time);
  server.start();

  /** The ESME sends one frame and waits for the hub's answer, which it resolves with. */
  let seen = 0;
  async function ask(frame: Buffer): Promise<Buffer> {
    const answered = new Promise<void>((resolve) => server.once('answered', () => resolve()));
    sim.send(ESME, [frame], SE);
    await answered;
    for (let i = 0; i < 200 && sim.received(ESME).length === seen; i++) await new Promise((r) => setTimeout(r, 10));
    const received = sim.received(ESME)[seen++];
    expect(received).toMatchObject({ profileId: 0x0109, clusterId: 0x000a, sourceEndpoint: SE.destinationEndpoint, destinationEndpoint: SE.sourceEndpoint });
    return received!.payload;
  }
  /** Send without waiting: the ESME's messages reach the hub in order, so the next `ask` follows it. */
  const tell = (frame: Buffer, address: Partial<typeof SE> = SE) => sim.send(ESME, [frame], address);
  return { time, clock, ask, tell, server };
}

const request = (sequence: number, payload: Buffer, header: Partial<ZclHeader> = {}): Buffer =>
  encodeZclFrame({ header: { frameType: 'global', direction: 'clientToServer', disableDefaultResponse: false, sequence, commandId: 0x00, ...header }, payload });

const ALL = TIME_ATTRIBUTES.map((a) => a.id);

describe('the Time cluster server', () => {
  it('answers Read Attributes with every attribute, DST on both sides of the UK transitions, and status before and after a WAN set', async () => {
    const { time, clock, ask } = await rig();

    // Before any set (system clock not trusted): no time to give.
    const unset = decodeZclFrame(await ask(request(1, encodeReadAttributes([0x0000, 0x0001]))));
    expect(unset.header).toEqual({ frameType: 'global', direction: 'serverToClient', disableDefaultResponse: true, sequence: 1, commandId: 0x01 });
    expect(decodeReadAttributesResponse(unset.payload)).toEqual([
      { attributeId: 0, status: 0, dataType: 0xe2, value: UNKNOWN_TIME },
      { attributeId: 1, status: 0, dataType: 0x18, value: 0 },
    ]);

    await time.setTime(Date.parse('2026-03-29T00:59:59Z'), 'wan');
    const checks: Array<[at: string, local: number]> = [
      ['2026-03-29T00:59:59Z', zb('2026-03-29T00:59:59Z')],
      ['2026-03-29T01:00:00Z', zb('2026-03-29T02:00:00Z')],
      ['2026-10-25T00:59:59Z', zb('2026-10-25T01:59:59Z')],
      ['2026-10-25T01:00:00Z', zb('2026-10-25T01:00:00Z')],
    ];
    let sequence = 2;
    for (const [at, local] of checks) {
      clock.set(Date.parse(at));
      await time.setTime(Date.parse(at), 'wan');
      const bytes = await ask(request(sequence, encodeReadAttributes([...ALL, 0x0042])));
      const { header, payload } = decodeZclFrame(bytes);
      expect(header.sequence).toBe(sequence++);
      expect(decodeReadAttributesResponse(payload), at).toEqual([
        { attributeId: 0x0000, status: 0, dataType: 0xe2, value: zb(at) },
        { attributeId: 0x0001, status: 0, dataType: 0x18, value: 0x0f },
        { attributeId: 0x0002, status: 0, dataType: 0x2b, value: 0 },
        { attributeId: 0x0003, status: 0, dataType: 0x23, value: zb('2026-03-29T01:00:00Z') },
        { attributeId: 0x0004, status: 0, dataType: 0x23, value: zb('2026-10-25T01:00:00Z') },
        { attributeId: 0x0005, status: 0, dataType: 0x2b, value: 3600 },
        { attributeId: 0x0006, status: 0, dataType: 0x23, value: zb(at) },
        { attributeId: 0x0007, status: 0, dataType: 0x23, value: local },
        { attributeId: 0x0008, status: 0, dataType: 0xe2, value: zb(at) },
        { attributeId: 0x0009, status: 0, dataType: 0xe2, value: zb(at) + 24 * 3600 },
        { attributeId: 0x0042, status: 0x86 },
      ]);
    }
    // The wire layout, byte for byte, for the first record: id 0x0000, success, UTC time, LE seconds.
    clock.set(Date.parse('2026-10-25T01:00:00Z'));
    const time0 = await ask(request(9, encodeReadAttributes([0x0000])));
    const seconds = Buffer.alloc(4);
    seconds.writeUInt32LE(zb('2026-10-25T01:00:00Z'));
    expect(time0.toString('hex')).toBe(`180901000000e2${seconds.toString('hex')}`);
  }, 30_000);

  it('answers what it does not serve with the Default Response ZCL prescribes, and ignores what is not for it', async () => {
    const { ask, tell, server } = await rig();
    const defaultResponse = async (frame: Buffer) => {
      const { header, payload } = decodeZclFrame(await ask(frame));
      expect(header).toMatchObject({ commandId: 0x0b, direction: 'serverToClient', sequence: frame[frame[0]! & 0x04 ? 3 : 1] });
      return decodeDefaultResponse(payload);
    };
    expect(await defaultResponse(request(20, Buffer.of(0x00)))).toEqual({ commandId: 0x00, status: 0x80 });
    expect(await defaultResponse(request(21, Buffer.alloc(0), { frameType: 'cluster', commandId: 0x00 }))).toEqual({ commandId: 0x00, status: 0x81 });
    expect(await defaultResponse(request(22, Buffer.of(0x00, 0x00, 0xe2, 0, 0, 0, 0), { commandId: 0x02 }))).toEqual({ commandId: 0x02, status: 0x82 });
    expect(await defaultResponse(request(23, encodeReadAttributes([0]), { manufacturerCode: 0x1234 }))).toEqual({ commandId: 0x00, status: 0x84 });

    const dropped: string[] = [];
    const answered: number[] = [];
    server.on('dropped', ({ reason }) => dropped.push(reason));
    server.on('answered', ({ sequence }) => answered.push(sequence));
    // Too short to answer; another profile; a response travelling the other way: none is answered,
    // so the next answer the ESME receives is the one to the request that follows them.
    tell(Buffer.of(0x00));
    tell(request(24, encodeReadAttributes([0])), { profileId: 0x0104 });
    tell(request(25, Buffer.alloc(0), { direction: 'serverToClient', commandId: 0x01 }));
    const next = decodeZclFrame(await ask(request(26, encodeReadAttributes([0]))));
    expect(next.header.sequence).toBe(26);
    expect(answered).toEqual([26]);
    expect(dropped).toEqual([expect.stringMatching(/header needs 3 bytes/)]);
  }, 30_000);
});
