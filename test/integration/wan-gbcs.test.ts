import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AshEndpoint } from '../../hal/ash/index.js';
import { SystemClock } from '../../hal/clock.js';
import { EzspRadio } from '../../hal/ezsp-radio.js';
import { linkKeyFromInstallCode } from '../../hal/install-code.js';
import { loadScenario } from '../../hal/sim/scenario.js';
import { Simulator } from '../../hal/sim/simulator.js';
import { SerialTransport } from '../../hal/transport/serial.js';
import { DEVICE_TYPES } from '../../src/chf/device-types.js';
import { decodeMessage, encodeMessage } from '../../src/gbcs/index.js';
import { HanAdmission } from '../../src/han/admission.js';
import { HanRelay } from '../../src/han/relay.js';
import { SleepyQueue } from '../../src/han/sleepy-queue.js';
import { openGbcsHub } from '../../src/hub/gbcs-hub.js';
import { FileSecureElement } from '../../src/security/file-secure-element.js';
import type { Store } from '../../src/store/store.js';
import { WanGbcsBridge } from '../../src/wan/gbcs-bridge.js';
import { Outbox } from '../../src/wan/outbox.js';
import { WanLink } from '../../src/wan/wan-link.js';
import { commandPairs, ConformanceHub, RTDS_IDENTITY } from '../conformance/harness.js';
import { CHF_STATES } from '../conformance/chf-seeds.js';
import { sampleCommand } from '../gbcs/sample.js';
import { openPtyPair } from '../helpers/pty.js';
import { describeRtds, rtdsPresent } from '../helpers/rtds.js';
import { openLog, TempStore } from '../src/chf/helpers.js';
import { SimTunnelAgent } from '../src/han/tunnel-sim-device.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { startTestBroker } from '../src/wan/test-broker.js';

/**
 * Commands from a head end through a real broker into the hub's GBCS router and back: a CHF
 * command answered byte for byte as the RTDS has it, and a command for the ESME carried over the
 * real serial path (a pty pair) to the simulated ESME, whose response comes back on the response
 * topic the command named.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function wanOver(store: Store, hub: string, broker: string) {
  const clock = new SystemClock();
  const outbox = await Outbox.open(store, { clock });
  const link = new WanLink({ settings: { broker }, hub, outbox, clock });
  cleanups.push(async () => {
    await link.stop();
    await outbox.close();
  });
  return link;
}

describeRtds('WAN → GBCS router → WAN, RTDS', () => {
  const pair = rtdsPresent ? commandPairs(RTDS_IDENTITY.chf).find(({ command }) => command.useCase === 'CCS06' && command.outcome === 'SUCCESS') : undefined;

  it('answers an RTDS CHF command published on the command topic with the RTDS response, byte for byte, on the response topic with its correlation data', async () => {
    expect(pair).toBeDefined();
    const { command, response } = pair!;
    const broker = await startTestBroker();
    cleanups.push(() => broker.dispose());
    const state = CHF_STATES[`${command.useCase}_${command.outcome}`]!;
    const harness = await ConformanceHub.open({ seed: state.seed });
    cleanups.push(() => harness.close());
    const link = await wanOver(harness.store, RTDS_IDENTITY.chf, broker.url);
    const bridge = new WanGbcsBridge({ link, router: harness.hub.router, clock: harness.clock });
    bridge.start();
    await link.start();

    const head = await Subscriber.connect(broker.url, ['headend/rtds/+']);
    cleanups.push(() => head.close());
    const v5 = broker.kind === 'mosquitto';
    await head.publish(link.topics.command, command.bytes, { qos: 1, ...(v5 ? { properties: { responseTopic: 'headend/rtds/ccs06', correlationData: Buffer.from('06') } } : {}) });
    if (!v5) await head.client.subscribeAsync(link.topics.response, { qos: 1 });
    const [answer] = await head.until((r) => r.length > 0);
    expect(answer!.payload.toString('hex')).toBe(response!.bytes.toString('hex'));
    if (v5) expect(answer!.packet.properties?.correlationData).toEqual(Buffer.from('06'));
  });
});

describe('WAN → GBCS router → HAN relay over a pty → simulated ESME → WAN', () => {
  it("carries a command for the hub's ESME to the ESME and its response back on the command's response topic", async () => {
    const pty = await openPtyPair();
    cleanups.push(() => pty.close());
    const real = new SystemClock();
    const scenario = await loadScenario(undefined);
    const esmeInfo = scenario.devices.find((d) => d.type === 'ESME')!;
    const sim = new Simulator({ scenario, clock: real, seed: 11 });
    const ncpSide = new SerialTransport({ path: pty.b, baudRate: 115200 });
    await ncpSide.open();
    sim.serve(ncpSide);
    cleanups.push(() => sim.close());
    const hostSide = new SerialTransport({ path: pty.a, baudRate: 115200 });
    await hostSide.open();
    const radio = new EzspRadio({ link: new AshEndpoint({ role: 'host', transport: hostSide, clock: real }), clock: real });
    cleanups.push(() => radio.stop());

    const temp = await TempStore.create();
    cleanups.push(() => temp.dispose());
    const { log } = await openLog(temp);
    cleanups.push(() => log.close());
    const admission = new HanAdmission({ radio, log, clock: real, security: { record: () => undefined } });
    cleanups.push(() => admission.stop());
    const network = (await radio.start()) ?? (await radio.formNetwork({ channel: 15, panId: 0x1234 }));
    admission.start();
    await log.add({ eui64: esmeInfo.eui64, deviceType: 'ESME', installCode: esmeInfo.declaredInstallCode });
    await admission.openWindow(esmeInfo.eui64, linkKeyFromInstallCode(esmeInfo.declaredInstallCode), 60_000);
    const keyed = new Promise<void>((resolve) => admission.on('linkKeyEstablished', (d) => d.eui64 === esmeInfo.eui64 && resolve()));
    expect(sim.join(esmeInfo.eui64).joined).toBe(true);
    await keyed;

    const queue = await SleepyQueue.open({ store: temp.store, clock: real });
    const relay = new HanRelay({ radio, admission, devices: { isSleepy: (eui64) => DEVICE_TYPES[log.get(eui64)?.deviceType ?? 'ESME'].sleepy }, queue, clock: real });
    cleanups.push(async () => {
      await relay.stop();
      await queue.close();
    });
    await relay.start();
    const esme = new SimTunnelAgent(sim, esmeInfo.eui64);

    const keysDir = await mkdtemp(join(tmpdir(), 'hub-wan-keys-'));
    cleanups.push(() => rm(keysDir, { recursive: true, force: true }));
    const identity = { chf: network.localEui64, gpf: '00DB1234567890FF', manufacturerId: Buffer.from('1234', 'hex'), modelType: Buffer.from('0001', 'hex') };
    const secureElement = await FileSecureElement.open({ stateDir: keysDir, owners: [identity.chf] });
    const gbcsHub = await openGbcsHub({ store: temp.store, secureElement, clock: real, identity, deviceLog: log, relay });
    cleanups.push(() => gbcsHub.stop());

    const broker = await startTestBroker();
    cleanups.push(() => broker.dispose());
    const link = await wanOver(temp.store, identity.chf, broker.url);
    const bridge = new WanGbcsBridge({ link, router: gbcsHub.router, han: relay, clock: real });
    bridge.start();
    await link.start();

    const head = await Subscriber.connect(broker.url, ['headend/esme/+', link.topics.response]);
    cleanups.push(() => head.close());
    const command = encodeMessage(sampleCommand({ recipient: esmeInfo.eui64, originatorCounter: 0x7001n }));
    const delivered = esme.next((frame) => frame.command.kind === 'transferData');
    const v5 = broker.kind === 'mosquitto';
    await head.publish(link.topics.command, command, { qos: 1, ...(v5 ? { properties: { responseTopic: 'headend/esme/reply', correlationData: Buffer.from('e5') } } : {}) });
    await delivered;
    expect(esme.delivered).toEqual([command]);

    // The ESME answers over its tunnel: a GBCS response echoing the command's counter.
    const answer = encodeMessage(sampleCommand({ cra: 'response', originator: esmeInfo.eui64, recipient: '90B3D51F30000002', originatorCounter: 0x7001n }));
    esme.send({ sequence: 9, direction: 'serverToClient', command: { kind: 'transferData', tunnelId: 0x0042, data: answer } });
    const [reply] = await head.until((r) => r.length > 0);
    expect(reply!.payload).toEqual(answer);
    expect(decodeMessage(reply!.payload).header).toMatchObject({ cra: 'response', originator: esmeInfo.eui64, originatorCounter: 0x7001n });
    if (v5) {
      expect(reply!.topic).toBe('headend/esme/reply');
      expect(reply!.packet.properties?.correlationData).toEqual(Buffer.from('e5'));
    } else {
      expect(reply!.topic).toBe(link.topics.response);
    }
    expect(bridge.awaitingDevices).toBe(0);
  }, 40_000);
});
