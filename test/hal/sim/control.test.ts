import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ControlServer } from '../../../hal/sim/control.js';
import { ControlError, parseControlRequest, sendPayloads } from '../../../hal/sim/control-protocol.js';
import { ControlClient } from './control-client.js';
import { ESME, GSME, INTRUDER, admit, formed, settle } from './sim-setup.js';

async function withControl() {
  const setup = await formed();
  const server = new ControlServer(setup.sim);
  const port = await server.listen(0);
  const client = await ControlClient.open(port);
  return { ...setup, client, close: async () => (client.close(), await server.close()) };
}

describe('control protocol parsing', () => {
  it('accepts the documented requests and builds numbered payloads', () => {
    const send = parseControlRequest('{"op":"send","from":"00-DB-12-34-56-78-90-A0","payload":"aa","count":3,"numbered":true}');
    expect(sendPayloads(send).map((p) => p.toString('hex'))).toEqual(['aa00000000', 'aa00000001', 'aa00000002']);
    expect(sendPayloads(parseControlRequest('{"op":"send","from":"00DB1234567890A0","payloads":["01","0203"]}'))).toEqual([Buffer.from([1]), Buffer.from([2, 3])]);
    expect(parseControlRequest('{"op":"fault","corruptOneIn":200,"dropOneIn":500,"id":"x"}')).toMatchObject({ corruptOneIn: 200, id: 'x' });
  });

  it('names what is wrong with a bad request', () => {
    const problem = (line: string) => {
      try {
        parseControlRequest(line);
      } catch (error) {
        expect(error).toBeInstanceOf(ControlError);
        return `${(error as ControlError).code}: ${(error as ControlError).message}`;
      }
      throw new Error('accepted');
    };
    expect(problem('nope')).toMatch(/^CONTROL_BAD_JSON/);
    expect(problem('[1]')).toMatch(/^CONTROL_BAD_REQUEST/);
    expect(problem('{"op":"explode"}')).toMatch(/^CONTROL_UNKNOWN_OP: op: op must be one of status, devices, join/);
    expect(problem('{"op":"join"}')).toBe('CONTROL_BAD_REQUEST: join: eui64 is required');
    const two = problem('{"op":"join","eui64":"xyz","colour":1}');
    expect(two).toContain('eui64 must match pattern');
    expect(two).toContain('colour is not a known field');
    expect(problem('{"op":"send","from":"00DB1234567890A0"}')).toMatch(/exactly one of payload and payloads/);
    expect(problem('{"op":"send","from":"00DB1234567890A0","payload":"abc"}')).toMatch(/payload must match pattern/);
    expect(problem('{"op":"fault","dropOneIn":-1}')).toMatch(/dropOneIn must be >= 0/);
  });

  it('answers any line with a request or a ControlError', () => {
    const lines = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ op: fc.constantFrom('status', 'join', 'send', 'fault', 'received', 'resetNcp'), eui64: fc.string(), payload: fc.string(), count: fc.integer() }).map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(lines, (line) => {
        try {
          expect(typeof parseControlRequest(line).op).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(ControlError);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('control interface over TCP', () => {
  it('joins a device, pushes the event, and reports it in status', async () => {
    const { host, sim, client, close } = await withControl();
    try {
      await admit(host, ESME, sim.device(ESME).spec.installCode);
      const reply = await client.request({ op: 'join', eui64: '00-DB-12-34-56-78-90-A0' });
      expect(reply).toMatchObject({ ok: true, outcome: { joined: true } });
      const [event] = await client.waitEvent('deviceJoined');
      expect(event).toMatchObject({ eui64: ESME, nodeId: (reply['outcome'] as { nodeId: number }).nodeId });
      const refused = await client.request({ op: 'join', eui64: INTRUDER });
      expect(refused).toMatchObject({ ok: true, outcome: { joined: false, reason: 'NO_KEY' } });
      expect((await client.waitEvent('joinRefused'))[0]).toMatchObject({ eui64: INTRUDER, reason: 'NO_KEY' });
      const status = (await client.request({ op: 'status' }))['status'] as { devices: Array<{ eui64: string; joined: boolean }>; networkUp: boolean };
      expect(status.networkUp).toBe(true);
      expect(status.devices.find((d) => d.eui64 === ESME)?.joined).toBe(true);
      // A blank NCP in its place: no network until the host forms one; the ESME still holds the one it joined.
      expect(await client.request({ op: 'replaceNcp' })).toMatchObject({ ok: true });
      const blank = (await client.request({ op: 'status' }))['status'] as { network: unknown; devices: Array<{ eui64: string; joined: boolean }> };
      expect(blank.network).toBeNull();
      expect(blank.devices.find((d) => d.eui64 === ESME)?.joined).toBe(true);
    } finally {
      await close();
    }
  });

  it('sends from a device, reads what a device received, and sets faults', async () => {
    const { host, sim, client, close } = await withControl();
    try {
      await admit(host, ESME, sim.device(ESME).spec.installCode);
      const nodeId = (sim.join(ESME) as { nodeId: number }).nodeId;
      const sent = await client.request({ op: 'send', from: ESME, payload: 'beef', count: 3, numbered: true, clusterId: 0x0800 });
      expect(sent).toMatchObject({ ok: true, apsCounters: [0, 1, 2] });
      const incoming = await host.waitFor('incomingMessageHandler', 3);
      expect(incoming.map((m) => m.messageContents.toString('hex'))).toEqual(['beef00000000', 'beef00000001', 'beef00000002']);
      expect(incoming[0]!.apsFrame.clusterId).toBe(0x0800);
      expect((await client.waitEvent('sendDone', 3)).map((e) => e['delivered'])).toEqual([true, true, true]);

      await host.call('sendUnicast', { type: 0, indexOrDestination: nodeId, apsFrame: { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1, options: 0, groupId: 0, sequence: 0 }, messageTag: 1, messageContents: Buffer.from('c0ffee', 'hex') });
      expect((await client.waitEvent('messageReceived'))[0]).toMatchObject({ eui64: ESME, payload: 'c0ffee' });
      const received = await client.request({ op: 'received', eui64: ESME });
      expect(received).toMatchObject({ ok: true, messages: [{ index: 0, payload: 'c0ffee', clusterId: 0x0704 }] });
      expect(await client.request({ op: 'received', eui64: ESME, since: 1 })).toMatchObject({ messages: [] });
      expect(await client.request({ op: 'outcomes', eui64: ESME, since: 2 })).toMatchObject({ outcomes: [{ index: 2, delivered: true, payload: 'beef00000002' }], pending: 0 });

      const fault = await client.request({ op: 'fault', corruptOneIn: 200, dropOneIn: 500 });
      expect(fault).toMatchObject({ ok: true, faults: { corruptOneIn: 200, dropOneIn: 500, seed: 1 } });
    } finally {
      await close();
    }
  });

  it('answers errors with their code, keeps the id, and keeps serving', async () => {
    const { client, close } = await withControl();
    try {
      expect(await client.line('{"id":7,"op":"join","eui64":"0011223344556677"}', 7)).toEqual({
        id: 7,
        ok: false,
        error: { code: 'SIM_UNKNOWN_DEVICE', message: expect.stringContaining('no device 0011223344556677') },
      });
      expect(await client.line('{"id":8,"op":"send","from":"00DB1234567890A0","payload":"' + 'ab'.repeat(2049) + '"}', 8)).toMatchObject({ ok: false, error: { code: 'SIM_PAYLOAD_TOO_LONG' } });
      expect(await client.line('{"id":9,"op":"bogus"}', 9)).toMatchObject({ id: 9, ok: false, error: { code: 'CONTROL_UNKNOWN_OP' } });
      expect(await client.request({ op: 'devices' })).toMatchObject({ ok: true });
    } finally {
      await close();
    }
  });

  it('wakes a sleepy device on request, and stops pushing events to a client that muted them', async () => {
    const { host, sim, client, close } = await withControl();
    try {
      await admit(host, GSME, sim.device(GSME).spec.installCode);
      const nodeId = (sim.join(GSME) as { nodeId: number }).nodeId;
      await client.waitEvent('deviceJoined');
      await host.call('sendUnicast', { type: 0, indexOrDestination: nodeId, apsFrame: { profileId: 0x0109, clusterId: 0x0704, sourceEndpoint: 1, destinationEndpoint: 1, options: 0, groupId: 0, sequence: 0 }, messageTag: 3, messageContents: Buffer.from([3]) });
      await settle();
      expect(await client.request({ op: 'received', eui64: GSME })).toMatchObject({ messages: [] });
      expect(await client.request({ op: 'events', enabled: false })).toMatchObject({ ok: true });
      const before = client.events.length;
      expect(await client.request({ op: 'wake', eui64: GSME })).toMatchObject({ ok: true });
      expect((await host.waitFor('messageSentHandler'))[0]).toMatchObject({ status: 0, messageTag: 3 });
      expect(await client.request({ op: 'received', eui64: GSME })).toMatchObject({ messages: [{ payload: '03' }] });
      expect(client.events.length).toBe(before);
    } finally {
      await close();
    }
  });

  it("reports a Device's OTA client, sets it to ask at every wake, and refuses a hash it holds no image for", async () => {
    const { sim, client, close } = await withControl();
    try {
      expect(await client.request({ op: 'ota', eui64: GSME, queryOnWake: true })).toMatchObject({ ok: true, ota: { state: 'idle', installed: { imageType: 1, fileVersion: 1 }, blocks: 0 } });
      expect(await client.request({ op: 'ota', eui64: ESME, activate: 'ab'.repeat(32) })).toMatchObject({ ok: true, activated: false });
      expect(await client.request({ op: 'ota', eui64: ESME, activate: 'xyz' })).toMatchObject({ ok: false, error: { code: 'CONTROL_BAD_REQUEST' } });
      expect(await client.request({ op: 'ota', eui64: '00DB1234567890B1' })).toMatchObject({ ok: false });
      expect(sim.otaClient(ESME).status().state).toBe('idle');
    } finally {
      await close();
    }
  });
});
