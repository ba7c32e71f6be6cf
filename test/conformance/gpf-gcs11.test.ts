import { afterEach, expect, it } from 'vitest';
import { processOnce } from '../../src/hub/process-once.js';
import { HUB_EVENTS } from '../../src/logs/event-codes.js';
import { describeRtds, RTDS_KEYSTORE } from '../helpers/rtds.js';
import { buildCommand, RTDS_IDENTITY } from './harness.js';
import { GCS11_CODE, gcs11Answer, gcs11Payload, openPinHub, type PinHub } from './gpf-pins.js';

/**
 * GCS11 sent to the GPF: the supplier disables the privacy PIN on the GPF's householder views.
 * Every answer is one default response to Request New Password Response (frame control 0x00, the
 * command's sequence), with the status saying what happened.
 */
let hub: PinHub | undefined;
afterEach(async () => {
  await hub?.harness.close();
  hub = undefined;
});

const PRIVACY = '7193';
let counter = 0x3000n;
const send = (h: PinHub, payload = gcs11Payload()) => buildCommand(h.harness, { messageCode: GCS11_CODE, payload, counter: counter++, recipient: RTDS_IDENTITY.gpf }).then((bytes) => h.harness.process(bytes));

describeRtds('GCS11: disable privacy PIN protection on the GPF', () => {
  it("removes the householder's privacy PIN for the supplier and records it in the Security Log", async () => {
    hub = await openPinHub();
    await hub.pins.set('privacy', PRIVACY, { by: 'installation' }, 'display');
    const answer = gcs11Answer(await send(hub, gcs11Payload({}, { sequence: 5 })));
    expect(answer).toMatchObject({ control: 0x01, clusterId: 0x0708, zcl: { frameControl: 0x00, sequence: 5, commandId: 0x0b }, body: { kind: 'default-response', commandId: 0x02, status: 0x00 } });
    expect(await hub.pins.status('privacy')).toMatchObject({ set: false });
    const [newest] = await hub.harness.hub.chf.securityLog.newest();
    expect(newest).toMatchObject({ code: HUB_EVENTS.pinChanged.code, detail: { kind: 'privacy', change: 'removed', by: 'command', via: 'gbcs' } });
  });

  it('answers success when no privacy PIN is set, changing nothing', async () => {
    hub = await openPinHub();
    const before = await hub.harness.snapshot();
    expect(gcs11Answer(await send(hub)).body).toEqual({ kind: 'default-response', commandId: 0x02, status: 0x00 });
    expect({ ...(await hub.harness.snapshot()), counters: [] }).toEqual({ ...before, counters: [] });
  });

  it('refuses what is not a disable (a password given, another password, a future time, another command) and keeps the PIN', async () => {
    hub = await openPinHub();
    await hub.pins.set('privacy', PRIVACY, { by: 'installation' }, 'display');
    const cases: Array<[Buffer, number]> = [
      [gcs11Payload({ password: Buffer.from('5820') }), 0x85],
      [gcs11Payload({ passwordType: 0x01 }), 0x85],
      [gcs11Payload({ implementationDateTime: 0x1c374a80 }), 0x87],
      [gcs11Payload({}, { commandId: 0x05 }, { kind: 'raw', bytes: Buffer.of(0x01) }), 0x80],
    ];
    for (const [payload, status] of cases) {
      const answer = gcs11Answer(await send(hub, payload));
      expect(answer.body).toMatchObject({ kind: 'default-response', status });
    }
    expect(await hub.pins.verify('privacy', PRIVACY, 'display')).toEqual({ ok: true });
  });

  it('is answered by `hub gbcs process` as by the running hub: a fresh hub has no privacy PIN, so success', async () => {
    hub = await openPinHub();
    const bytes = await buildCommand(hub.harness, { messageCode: GCS11_CODE, payload: gcs11Payload(), counter: counter++, recipient: RTDS_IDENTITY.gpf });
    expect(gcs11Answer((await processOnce(bytes, { keystoreDir: RTDS_KEYSTORE })).outcome).body).toEqual({ kind: 'default-response', commandId: 0x02, status: 0x00 });
  });

  it('answers a hardware failure from a hub whose GPF has no PIN store', async () => {
    hub = await openPinHub({ withPins: false });
    await hub.pins.set('privacy', PRIVACY, { by: 'installation' }, 'display');
    expect(gcs11Answer(await send(hub)).body).toEqual({ kind: 'default-response', commandId: 0x02, status: 0xc0 });
    expect(await hub.pins.status('privacy')).toMatchObject({ set: true });
  });
});
