/**
 * The head end of the WAN bench's command burst, in a process of its own as a real head end is:
 * an mqtt.js client (MQTT 5, no Nagle) on the broker at argv[2], publishing to the hub's command
 * topic argv[3] and following its response topic argv[4]. Each stdin line is a burst, the commands
 * in hex separated by commas; it publishes them all at once at QoS 1 and prints, once every one
 * has its response, the milliseconds from the first PUBLISH to the last response.
 */
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';

const [url, commandTopic, responseTopic] = process.argv.slice(2) as [string, string, string];
const client = await mqtt.connectAsync(url, { protocolVersion: 5, clientId: `bench-head-${process.pid}`, reconnectPeriod: 0 });
(client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
let received = 0;
let waiting: { until: number; done: () => void } | undefined;
client.on('message', () => {
  received += 1;
  if (waiting && received >= waiting.until) waiting.done();
});
await client.subscribeAsync(responseTopic, { qos: 1 });
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) {
  const commands = line.split(',').map((hex) => Buffer.from(hex, 'hex'));
  const answered = new Promise<void>((resolve) => (waiting = { until: received + commands.length, done: resolve }));
  const start = performance.now();
  await Promise.all(commands.map((bytes) => client.publishAsync(commandTopic, bytes, { qos: 1 })));
  await answered;
  process.stdout.write(`${performance.now() - start}\n`);
}
await client.endAsync();
