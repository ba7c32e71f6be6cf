import { afterEach, expect, it } from 'vitest';
import { encodeMessage } from '../../src/gbcs/index.js';
import { sampleCommand } from '../gbcs/sample.js';
import { esmeRig } from '../src/wan/esme-rig.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { startTestBroker } from '../src/wan/test-broker.js';

/**
 * The hub relays commands for a HAN Device without authenticating them (it holds no key for them),
 * so a second command copying a relayed one's recipient and counter cannot be told from it. The
 * Device's response must not follow the copy to the response topic it named.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

it("sends a Device's response to the hub's own response topic, not the topic a copied command named", async () => {
  const broker = await startTestBroker();
  cleanups.push(() => broker.dispose());
  const hub = await esmeRig({ broker: broker.url });
  cleanups.push(() => hub.close());
  const { esme, esmeEui64, link } = hub;
  const head = await Subscriber.connect(broker.url, ['headend/genuine', 'attacker/#', link.topics.response]);
  cleanups.push(() => head.close());
  // Response topics are MQTT 5: the embedded fallback broker (local runs without mosquitto only) has none.
  if (broker.kind !== 'mosquitto') return;

  const genuine = encodeMessage(sampleCommand({ recipient: esmeEui64, originatorCounter: 0x7101n }));
  const copy = encodeMessage({ ...sampleCommand({ recipient: esmeEui64, originatorCounter: 0x7101n }), payload: Buffer.from('d920000516ffff', 'hex') });
  const both = esme.next((frame) => frame.command.kind === 'transferData' && esme.delivered.length >= 2);
  await head.publish(link.topics.command, genuine, { qos: 1, properties: { responseTopic: 'headend/genuine' } });
  await esme.next((frame) => frame.command.kind === 'transferData');
  await head.publish(link.topics.command, copy, { qos: 1, properties: { responseTopic: 'attacker/steal' } });
  await both;

  const answer = encodeMessage(sampleCommand({ cra: 'response', originator: esmeEui64, recipient: '90B3D51F30000002', originatorCounter: 0x7101n }));
  esme.send({ sequence: 11, direction: 'serverToClient', command: { kind: 'transferData', tunnelId: 0x0042, data: answer } });
  const [reply] = await head.until((r) => r.length > 0);
  expect(reply!.topic).not.toMatch(/^attacker\//);
  expect(reply!.topic).toBe(link.topics.response);
  expect(reply!.payload).toEqual(answer);
  expect(head.received.filter((r) => r.topic.startsWith('attacker/'))).toEqual([]);
}, 40_000);
