import { afterAll, beforeAll, expect, it } from 'vitest';
import { AshEndpoint } from '../../hal/ash/index.js';
import { SystemClock } from '../../hal/clock.js';
import { MAX_EZSP_VERSION, MIN_EZSP_VERSION } from '../../hal/ezsp/index.js';
import { EzspRadio } from '../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../hal/install-code.js';
import type { IncomingMessage, NetworkInfo } from '../../hal/radio.js';
import type { Transport } from '../../hal/transport/transport.js';
import { decodeReadAttributesResponse, decodeZclFrame, encodeReadAttributes, encodeZclFrame, GLOBAL_COMMAND } from '../../hal/zcl/index.js';
import { ControlClient } from '../hal/sim/control-client.js';
import { describeHil, HIL_SIM, hilTarget, openRadio } from './hil-env.js';

/**
 * The radio through the hub's own EZSP driver and Radio: version, form or resume, joining by
 * install code, a message round trip with a Device, and removing it. Against `hub sim` the Device
 * is the simulated ESME, joined through the simulator's control port; against a real NCP it is
 * HIL_DEVICE (EUI64:INSTALLCODE), which must be powered up to join while the test waits, and the
 * Device tests are skipped without it.
 */
const clock = new SystemClock();
const SIM_ESME = { eui64: '00DB1234567890A0', installCode: '83FED3407A939723A5C639B26916D505C3B5' };
const JOIN_WAIT_MS = HIL_SIM ? 10_000 : 120_000;
/** A Read Attributes of the Basic cluster's ManufacturerName and ModelIdentifier, on the Smart Energy profile, endpoint 1. */
const BASIC = { profileId: 0x0109, clusterId: 0x0000, sourceEndpoint: 1, destinationEndpoint: 1 };

function configuredDevice(): { eui64: string; installCode: string } | undefined {
  if (HIL_SIM) return SIM_ESME;
  const value = process.env['HIL_DEVICE'];
  if (!value) return undefined;
  const [eui64, installCode] = value.split(':');
  if (!eui64 || !installCode) throw new Error('HIL_DEVICE must be EUI64:INSTALLCODE');
  return { eui64: eui64.replace(/[-:]/g, '').toUpperCase(), installCode };
}

const device = configuredDevice();

function eventOnce<T>(radio: EzspRadio, name: 'deviceJoined' | 'message', match: (value: T) => boolean, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      radio.off(name, listener as never);
      reject(new Error(`no matching ${name} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (value: T): void => {
      if (!match(value)) return;
      clearTimeout(timer);
      radio.off(name, listener as never);
      resolve(value);
    };
    radio.on(name, listener as never);
  });
}

describeHil('HIL: EZSP and the Radio', () => {
  let transport: Transport;
  let radio: EzspRadio;
  let network: NetworkInfo;

  async function openHubRadio(): Promise<EzspRadio> {
    transport = await openRadio(await hilTarget());
    return new EzspRadio({ link: new AshEndpoint({ role: 'host', transport, clock }), clock });
  }

  beforeAll(async () => {
    radio = await openHubRadio();
  });

  afterAll(async () => {
    await radio.stop();
    await transport.close();
  });

  it(`agrees an EZSP version in ${MIN_EZSP_VERSION}..${MAX_EZSP_VERSION} and resumes or forms a network`, async () => {
    const resumed = await radio.start();
    expect(radio.host.version).toBeGreaterThanOrEqual(MIN_EZSP_VERSION);
    expect(radio.host.version).toBeLessThanOrEqual(MAX_EZSP_VERSION);
    network = resumed ?? (await radio.formNetwork({ channel: Number(process.env['HIL_CHANNEL'] ?? 15) }));
    expect(network).toMatchObject({ nodeId: 0 });
    expect(network.localEui64).toMatch(/^[0-9A-F]{16}$/);
  });

  it('resumes the same network after the host restarts', async () => {
    await radio.stop();
    await transport.close();
    radio = await openHubRadio();
    const resumed = await radio.start();
    expect(resumed).toMatchObject({ panId: network.panId, extendedPanId: network.extendedPanId, channel: network.channel });
  });

  it('opens joining for one Device by its install code, and closes it', async () => {
    const eui64 = device?.eui64 ?? '00DB12345678FFFE';
    const linkKey = linkKeyFromInstallCode(device?.installCode ?? SIM_ESME.installCode);
    await radio.permitJoining([{ eui64, linkKey }], 60);
    await radio.closeJoining();
  });

  it.skipIf(!device)('admits the Device, trades a ZCL message with it, and removes it', async () => {
    const { eui64, installCode } = device!;
    await radio.permitJoining([{ eui64, linkKey: linkKeyFromInstallCode(installCode) }], Math.ceil(JOIN_WAIT_MS / 1000));
    const joined = eventOnce<{ eui64: string }>(radio, 'deviceJoined', (d) => d.eui64 === eui64, JOIN_WAIT_MS);
    const control = HIL_SIM ? await ControlClient.open(HIL_SIM.controlPort, HIL_SIM.controlTokenFile) : undefined;
    try {
      if (control) expect(await control.request({ op: 'join', eui64 })).toMatchObject({ ok: true, outcome: { joined: true } });
      else process.stderr.write(`HIL: power up or reset ${eui64} now; waiting ${JOIN_WAIT_MS / 1000} s for it to join\n`);
      await joined;
      await radio.closeJoining();

      const sequence = 0x5a;
      const request = encodeZclFrame({
        header: { frameType: 'global', direction: 'clientToServer', disableDefaultResponse: false, sequence, commandId: GLOBAL_COMMAND.readAttributes },
        payload: encodeReadAttributes([0x0004, 0x0005]),
      });
      const answer = eventOnce<IncomingMessage>(radio, 'message', (m) => m.eui64 === eui64 && m.clusterId === BASIC.clusterId, 30_000);
      expect(await radio.send(eui64, BASIC, request)).toEqual({ delivered: true });
      const frame = decodeZclFrame((await answer).payload);
      expect(frame.header).toMatchObject({ sequence, commandId: GLOBAL_COMMAND.readAttributesResponse, direction: 'serverToClient' });
      expect(decodeReadAttributesResponse(frame.payload).map((r) => r.attributeId)).toEqual([0x0004, 0x0005]);

      await radio.removeDevice(eui64);
      if (control) {
        const status = (await control.request({ op: 'devices' }))['devices'] as Array<{ eui64: string; joined: boolean }>;
        expect(status.find((d) => d.eui64 === eui64)).toMatchObject({ joined: false });
      }
    } finally {
      control?.close();
    }
  }, JOIN_WAIT_MS + 60_000);
});
