import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../src/gbcs/index.js';
import { splitIntoBlocks } from '../../hal/tunnel/block-transfer.js';
import { DEFAULT_CONFIG } from '../../src/config.js';
import { startHubWan } from '../../src/hub/hub-wan.js';
import { silentLogger } from '../../hal/log.js';
import { commandPairs, ConformanceHub, RTDS_IDENTITY } from '../conformance/harness.js';
import { CHF_STATES } from '../conformance/chf-seeds.js';
import { sampleCommand } from '../gbcs/sample.js';
import { describeRtds, rtdsPresent } from '../helpers/rtds.js';
import { esmeRig } from '../src/wan/esme-rig.js';
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
    const config = { ...structuredClone(DEFAULT_CONFIG), store: { path: harness.dir } };
    const wan = (await startHubWan({
      config, store: harness.store, clock: harness.clock, logger: silentLogger, hub: RTDS_IDENTITY.chf,
      security: harness.hub.chf.securityLog, broker: broker.url, embedded: false,
    }))!;
    cleanups.push(() => wan.stop());
    wan.attach(harness.hub.router);
    const link = wan.link;

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
    const broker = await startTestBroker();
    cleanups.push(() => broker.dispose());
    const hub = await esmeRig({ broker: broker.url });
    cleanups.push(() => hub.close());
    const { esme, esmeEui64, link, bridge } = hub;

    const head = await Subscriber.connect(broker.url, ['headend/esme/+', link.topics.response]);
    cleanups.push(() => head.close());
    const command = encodeMessage(sampleCommand({ recipient: esmeEui64, originatorCounter: 0x7001n }));
    const delivered = esme.next((frame) => frame.command.kind === 'transferData');
    const v5 = broker.kind === 'mosquitto';
    await head.publish(link.topics.command, command, { qos: 1, ...(v5 ? { properties: { responseTopic: 'headend/esme/reply', correlationData: Buffer.from('e5') } } : {}) });
    await delivered;
    expect(esme.delivered).toEqual([command]);

    // The ESME answers over its tunnel: a GBCS response echoing the command's counter.
    const answer = encodeMessage(sampleCommand({ cra: 'response', originator: esmeEui64, recipient: '90B3D51F30000002', originatorCounter: 0x7001n }));
    esme.send({ sequence: 9, direction: 'serverToClient', command: { kind: 'transferData', tunnelId: 0x0042, data: answer } });
    const [reply] = await head.until((r) => r.length > 0);
    expect(reply!.payload).toEqual(answer);
    expect(decodeMessage(reply!.payload).header).toMatchObject({ cra: 'response', originator: esmeEui64, originatorCounter: 0x7001n });
    if (v5) {
      expect(reply!.topic).toBe('headend/esme/reply');
      expect(reply!.packet.properties?.correlationData).toEqual(Buffer.from('e5'));
    } else {
      expect(reply!.topic).toBe(link.topics.response);
    }
    expect(bridge.awaitingDevices).toBe(0);
  }, 40_000);
});

describe('WAN → HAN relay → WAN, General Block Transfer', () => {
  it("sends every block of a Device's response too long for one transfer to the response topic its command named, in order", async () => {
    const broker = await startTestBroker();
    cleanups.push(() => broker.dispose());
    const hub = await esmeRig({ broker: broker.url });
    cleanups.push(() => hub.close());
    const { esme, esmeEui64, link, bridge } = hub;

    const head = await Subscriber.connect(broker.url, ['headend/blocks/+', link.topics.response]);
    cleanups.push(() => head.close());
    const command = encodeMessage(sampleCommand({ recipient: esmeEui64, originatorCounter: 0x7002n }));
    const delivered = esme.next((frame) => frame.command.kind === 'transferData');
    const v5 = broker.kind === 'mosquitto';
    await head.publish(link.topics.command, command, { qos: 1, ...(v5 ? { properties: { responseTopic: 'headend/blocks/reply', correlationData: Buffer.from('b1') } } : {}) });
    await delivered;

    const answer = encodeMessage(sampleCommand({ cra: 'response', originator: esmeEui64, recipient: '90B3D51F30000002', originatorCounter: 0x7002n }));
    const routing = { craFlag: 2, originatorCounter: 0x7002n, originator: esmeEui64, target: '90B3D51F30000002', messageCode: decodeMessage(answer).header.messageCode };
    const blocks = splitIntoBlocks(answer, routing, Math.ceil(answer.length / 3));
    expect(blocks).toHaveLength(3);
    for (const block of blocks) esme.send({ sequence: 9, direction: 'serverToClient', command: { kind: 'transferData', tunnelId: 0x0042, data: block } });
    const received = await head.until((r) => r.length >= blocks.length);
    expect(received.map((r) => r.payload)).toEqual(blocks);
    expect(new Set(received.map((r) => r.topic))).toEqual(new Set([v5 ? 'headend/blocks/reply' : link.topics.response]));
    if (v5) for (const r of received) expect(r.packet.properties?.correlationData).toEqual(Buffer.from('b1'));
    expect(bridge.awaitingDevices).toBe(0);
  }, 40_000);
});
