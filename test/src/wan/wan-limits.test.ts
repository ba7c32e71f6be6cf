import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { MAXIMUM_PACKET_OCTETS } from '../../../src/wan/settings.js';
import { COMMAND_WINDOW } from '../../../src/wan/wan-link.js';
import { LinkRig } from './rig.js';
import { Subscriber } from './subscriber.js';
import { startTestBroker, type TestBroker } from './test-broker.js';

/**
 * The hub tells the broker (MQTT 5 CONNECT) the largest packet it takes and how many commands may
 * wait for its PUBACK at once, so a real broker never hands it an oversized packet or more than
 * that many unacknowledged commands, however fast they are published.
 */
let broker: TestBroker;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  broker = await startTestBroker();
});
afterAll(() => broker.dispose());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

let commands: Buffer[] = [];
const until = async (done: () => boolean, what: string) => {
  for (let wait = 0; !done(); wait++) {
    if (wait > 600) throw new Error(`timed out waiting for ${what}; got ${commands.length}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

it('is never sent a packet above its maximum size, nor more unacknowledged commands than its receive maximum', async () => {
  // Both are MQTT 5 properties: the embedded fallback (local runs without mosquitto only) has neither.
  if (broker.kind !== 'mosquitto') return;
  const hub = await LinkRig.create({ broker: broker.url });
  cleanups.push(() => hub.dispose());
  const releases: Array<() => void> = [];
  commands = [];
  hub.link.on('command', (bytes, meta) => {
    commands.push(bytes);
    meta.hold(new Promise<void>((resolve) => releases.push(resolve)));
  });
  const connected = hub.next('connected');
  await hub.link.start();
  await connected;
  const head = await Subscriber.connect(broker.url, ['issue-11/limits/unused']);
  cleanups.push(() => head.close());

  const burst = COMMAND_WINDOW * 3;
  for (let i = 0; i < burst; i++) await head.publish(hub.link.topics.command, Buffer.from(`dd${i.toString(16).padStart(8, '0')}`, 'hex'), { qos: 1 });
  await until(() => commands.length >= COMMAND_WINDOW, `${COMMAND_WINDOW} commands`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(commands).toHaveLength(COMMAND_WINDOW);

  // Acknowledging lets the rest through.
  while (commands.length < burst || releases.length > 0) {
    for (const release of releases.splice(0)) release();
    await until(() => releases.length > 0 || commands.length >= burst, 'the rest');
  }
  expect(commands).toHaveLength(burst);

  // A packet over the maximum never comes; the command after it does.
  await head.publish(hub.link.topics.command, Buffer.alloc(MAXIMUM_PACKET_OCTETS + 1, 0xdd), { qos: 1 });
  await head.publish(hub.link.topics.command, Buffer.from('ddffffffff', 'hex'), { qos: 1 });
  await until(() => commands.length > burst, 'the command after the oversized one');
  for (const release of releases.splice(0)) release();
  expect(commands.slice(burst)).toEqual([Buffer.from('ddffffffff', 'hex')]);
}, 120_000);
