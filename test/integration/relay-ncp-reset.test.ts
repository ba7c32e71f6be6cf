import { afterEach, expect, it } from 'vitest';
import { encodeMessage } from '../../src/gbcs/index.js';
import { sampleCommand } from '../gbcs/sample.js';
import { esmeRig } from '../src/wan/esme-rig.js';
import { Subscriber } from '../src/wan/subscriber.js';
import { startTestBroker } from '../src/wan/test-broker.js';

/**
 * An NCP that fails and says so with an ASH ERROR frame (not RSTACK) loses what it held; the hub
 * resets it and carries on. Relays sent around that moment must each reach the meter or be reported
 * on the relay topic: none may vanish.
 */
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('delivers or reports every relay sent in the second after an NCP reset announced with ERROR', async () => {
  const broker = await startTestBroker();
  cleanups.push(() => broker.dispose());
  const hub = await esmeRig({ broker: broker.url });
  cleanups.push(() => hub.close());
  const { esme, esmeEui64, link, sim } = hub;
  const head = await Subscriber.connect(broker.url, [link.topics.relay]);
  cleanups.push(() => head.close());

  // A tunnel is open before the fault, as on a hub that has been relaying for a while.
  const first = encodeMessage(sampleCommand({ recipient: esmeEui64, originatorCounter: 0x7300n }));
  await head.publish(link.topics.command, first, { qos: 1 });
  await esme.next((frame) => frame.command.kind === 'transferData');

  const commands = Array.from({ length: 9 }, (_, i) => encodeMessage(sampleCommand({ recipient: esmeEui64, originatorCounter: 0x7301n + BigInt(i) })));
  await sim.resetNcp('error');
  for (const command of commands) {
    await head.publish(link.topics.command, command, { qos: 1 });
    await sleep(125);
  }
  const arrived = (command: Buffer) => esme.delivered.some((d) => d.equals(command));
  const reported = (i: number) =>
    head.received.some((r) => (JSON.parse(r.payload.toString()) as { originatorCounter: string }).originatorCounter === (0x7301 + i).toString(16).padStart(16, '0'));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && !commands.every((c, i) => arrived(c) || reported(i))) await sleep(250);
  const lost = commands.map((c, i) => (arrived(c) || reported(i) ? undefined : i)).filter((i) => i !== undefined);
  expect(lost).toEqual([]);
}, 120_000);
