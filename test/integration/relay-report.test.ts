import { afterEach, expect, it } from 'vitest';
import { encodeMessage } from '../../src/gbcs/index.js';
import { sampleCommand } from '../gbcs/sample.js';
import { esmeRig } from '../src/wan/esme-rig.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { startTestBroker } from '../src/wan/test-broker.js';

/** A command the hub cannot pass on to its HAN Device is reported to the head end, not only logged. */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

it('reports a command too large for the ESME tunnel on the relay topic, naming the command', async () => {
  const broker = await startTestBroker();
  cleanups.push(() => broker.dispose());
  const hub = await esmeRig({ broker: broker.url });
  cleanups.push(() => hub.close());
  const { esmeEui64, link } = hub;
  const head = await Subscriber.connect(broker.url, [link.topics.relay]);
  cleanups.push(() => head.close());

  const command = encodeMessage({ ...sampleCommand({ recipient: esmeEui64, originatorCounter: 0x7201n }), payload: Buffer.alloc(4000, 0x5a) });
  await head.publish(link.topics.command, command, { qos: 1 });
  const [report] = await head.until((r) => r.length > 0);
  expect(JSON.parse(report!.payload.toString())).toMatchObject({ device: esmeEui64, originatorCounter: '0000000000007201', messageCode: '0001', status: 'TOO_LARGE' });
  expect(JSON.parse(report!.payload.toString()).detail).toMatch(/4\d{3} octets/);
});
